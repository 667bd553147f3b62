package fivechats.transport;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A teaching aid beside the {@link SendSlot} ({@code --race-window D}, zero and off in production): a {@code write}
 * that took the free slot keeps it for up to D, or until another thread tries to send on the same connection. A model
 * that lets two threads write one connection then meets the detector on every concurrent broadcast, instead of as
 * often as the machine's timing happens to allow. It only lengthens a real window (the time a send holds the slot); it
 * never makes an overlap by itself.
 */
final class RaceWindow {
    private final long nanos;
    /** Set while a send waits in the window; a rival counts it down. */
    private volatile CountDownLatch waiting;

    RaceWindow(long nanos) {
        this.nanos = nanos;
    }

    /** Waits for a rival, at most the window; returns at once when the window is off. */
    void hold() throws InterruptedException {
        if (nanos == 0) {
            return;
        }
        CountDownLatch rival = new CountDownLatch(1);
        waiting = rival;
        try {
            rival.await(nanos, TimeUnit.NANOSECONDS);
        } finally {
            waiting = null;
        }
    }

    /** A second thread found the slot taken: the send waiting in the window, if any, goes on. */
    void rivalArrived() {
        CountDownLatch rival = waiting;
        if (rival != null) {
            rival.countDown();
        }
    }
}
