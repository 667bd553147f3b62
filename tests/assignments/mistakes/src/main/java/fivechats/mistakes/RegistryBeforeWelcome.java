package fivechats.mistakes;

import fivechats.transport.Outbox;
import fivechats.transport.Wire;

/**
 * MISTAKE: the newcomer is in the registry before its welcome is queued. "Add it first, so the welcome can list it
 * with everyone else." Under the lock, so presence stays consistent; but broadcasts of chat lines take no lock, and
 * one that walks the registry while the welcome is being built queues its line first.
 *
 * <p>Breaks: a newcomer's first frame is its welcome. Caught by: the welcome-under-traffic test, when many are online
 * (building a long welcome is the window).
 */
public final class RegistryBeforeWelcome extends Honest {
    @Override
    protected void join(Outbox self) {
        String name = self.connection().name();
        synchronized (membership) {
            clients.put(self.connection().id(), self);
            self.offer(Wire.welcome(name, names())); // names() lists the newcomer too, now that it is in
            String join = Wire.join(name);
            for (Outbox other : clients.values()) {
                if (other != self && !other.offer(join)) {
                    full(other);
                }
            }
        }
    }
}
