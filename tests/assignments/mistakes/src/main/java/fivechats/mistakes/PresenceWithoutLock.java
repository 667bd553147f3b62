package fivechats.mistakes;

import fivechats.transport.Outbox;
import fivechats.transport.Wire;
import java.util.ArrayList;
import java.util.List;

/**
 * MISTAKE: presence without a lock. "The registry is a ConcurrentHashMap, so joins are thread-safe." Each step is,
 * but a join is three steps: list who is online, announce the newcomer, add it. Two clients that join at the same
 * moment each list the registry before the other is in it and announce themselves before the other is in it, so
 * neither ever hears of the other; or one is listed in a welcome and announced to the same client again.
 *
 * <p>Breaks: every client's view of who is online. Caught by: the presence tests (clients joining at once).
 */
public final class PresenceWithoutLock extends Honest {
    @Override
    protected void join(Outbox self) {
        String name = self.connection().name();
        List<String> online = new ArrayList<>(names());
        online.add(name);
        self.offer(Wire.welcome(name, online));
        broadcast(Wire.join(name));
        clients.put(self.connection().id(), self);
    }
}
