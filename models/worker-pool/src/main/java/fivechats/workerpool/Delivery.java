package fivechats.workerpool;

import fivechats.transport.ChatConnection;
import fivechats.transport.ChatMetrics;
import fivechats.transport.CloseCode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * How a frame gets from a reader to the clients' sockets: the one thing the worker pool's three variants do
 * differently, side by side. Everything else (the pool, the readers, the registry, shutdown) is
 * {@link WorkerPool}'s, shared by all three.
 *
 * <p>Delivering answers whether the member took the frame: only the fixed variant's lanes fill up, so only it ever
 * answers that a member is too slow, and the pool evicts that member.
 */
interface Delivery {
    /** The registry entry for a new client. */
    Member member(ChatConnection connection);

    /** A chat line to every member. Answers the members too slow to take it: almost always none. */
    List<Member> broadcast(Collection<Member> members, String frame);

    /** A frame to one member: a welcome, a join or a leave. False if the member is too slow to take it. */
    boolean deliver(Member member, String frame);

    /** The member is published (in the registry): what was delivered to it before may go out now. */
    void open(Member member);

    /** The client leaves or is evicted: close its connection (after what is queued for it, if anything is). */
    void close(Member member, CloseCode code, String reason);

    /**
     * The client is too slow: drop what it can no longer read in time, close it with this code and stop its reader,
     * which then leaves as usual (its leave after its last line). True only for the call that evicted it.
     */
    boolean evict(Member member, CloseCode code, String reason);

    /** At shutdown: close every member behind what is queued for it, waiting at most until {@code deadline}. */
    void flush(List<Member> all, long deadlineNanos) throws InterruptedException;

    /** NAIVE: one task per line, and whichever worker takes it writes to every connection, at any moment. */
    class Naive implements Delivery {
        private final Consumer<Runnable> submit;

        Naive(Consumer<Runnable> submit) {
            this.submit = submit;
        }

        // snippet:naive
        @Override
        public List<Member> broadcast(Collection<Member> members, String frame) {
            submit.accept(() -> members.forEach(member -> write(member, frame)));
            return List.of(); // nothing is queued per client, so nobody is ever too slow
        }

        @Override
        public boolean deliver(Member member, String frame) {
            submit.accept(() -> write(member, frame));
            return true;
        }

        /** A failed write is skipped: that client misses the line (two workers at once: the transport refuses one). */
        void write(Member member, String frame) {
            try {
                member.connection().write(frame);
            } catch (IOException | IllegalStateException e) {
                // lost for this client
            }
        }
        // end-snippet

        @Override
        public Member member(ChatConnection connection) {
            return new Member(connection, null);
        }

        /** Nothing held: a task may write the welcome before the member is published (no order is promised here). */
        @Override
        public void open(Member member) {}

        @Override
        public void close(Member member, CloseCode code, String reason) {
            member.connection().close(code, reason);
        }

        /** Never called: nothing is queued per client (the tasks are shared), so no client is ever found too slow. */
        @Override
        public boolean evict(Member member, CloseCode code, String reason) {
            close(member, code, reason);
            return true;
        }

        @Override
        public void flush(List<Member> all, long deadlineNanos) {
            // the pool's STOP tasks queue behind every write task: nothing to wait for here
        }
    }

    // snippet:locked
    /** LOCKED: the same tasks, with a lock per connection: one write at a time, but in no particular order. */
    final class Locked extends Naive {
        Locked(Consumer<Runnable> submit) {
            super(submit);
        }

        @Override
        void write(Member member, String frame) {
            synchronized (member) { // two workers holding two lines of one sender race to this lock
                super.write(member, frame);
            }
        }
    }
    // end-snippet

    /** FIXED: every member has a serial {@link Lane}, which one worker at a time drains, front to back. */
    final class Fixed implements Delivery {
        /** Frames a lane holds before its client is evicted as too slow (gorilla's 256). */
        static final int LANE_LIMIT = 256;

        private final ChatMetrics metrics;
        private final Executor workers;
        private final Duration writeWait;

        /**
         * @param workers   runs a lane's drain on a worker; never waits (at most one drain per lane is queued)
         * @param writeWait the longest a sender waits for room in a lane that is full while the workers lag
         */
        Fixed(ChatMetrics metrics, Executor workers, Duration writeWait) {
            this.metrics = metrics;
            this.workers = workers;
            this.writeWait = writeWait;
        }

        @Override
        public Member member(ChatConnection connection) {
            return new Member(connection, new Lane(connection, metrics, workers, LANE_LIMIT, writeWait));
        }

        // snippet:fixed
        @Override
        public List<Member> broadcast(Collection<Member> members, String frame) {
            List<Member> tooSlow = new ArrayList<>(0); // no array until someone is too slow
            for (Member member : members) {
                if (!deliver(member, frame)) {
                    tooSlow.add(member);
                }
            }
            return tooSlow;
        }

        @Override
        public boolean deliver(Member member, String frame) {
            return member.lane().offer(frame); // false: the lane is full and its client too slow
        }
        // end-snippet

        @Override
        public void open(Member member) {
            member.lane().open();
        }

        @Override
        public void close(Member member, CloseCode code, String reason) {
            member.lane().finish(code, reason); // behind the frames already in the lane
        }

        @Override
        public boolean evict(Member member, CloseCode code, String reason) {
            return member.lane().evict(code, reason);
        }

        /** A lane's sends complete later and queue its next drain then: wait for the lanes, not the task queue. */
        @Override
        public void flush(List<Member> all, long deadlineNanos) throws InterruptedException {
            all.forEach(m -> m.lane().finish(CloseCode.SHUTDOWN, "server shutting down"));
            for (Member m : all) {
                m.lane().awaitClosed(Duration.ofNanos(Math.max(1, deadlineNanos - System.nanoTime())));
            }
        }
    }
}
