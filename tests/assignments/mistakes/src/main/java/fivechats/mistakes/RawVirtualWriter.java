package fivechats.mistakes;

import fivechats.transport.ChatConnection;
import fivechats.transport.CloseCode;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * MISTAKE: a writer on a raw virtual thread that nobody stops when its client leaves. "Virtual threads are cheap, so
 * one per client is fine." Cheap, not free: once its client is gone, the writer waits in {@code take()} on a queue
 * nobody will fill again, until the server stops. One leaked thread and queue per client that ever left. It is
 * started with {@code Thread.ofVirtual()}, not {@code context.threads()}, so the transport cannot count it either.
 *
 * <p>Breaks: no leaks after clients leave. Caught by: the leak test, which counts virtual threads too.
 */
public final class RawVirtualWriter extends ReadersWriteDirectly {
    /** Tells a writer to end: only {@link #stop()} sends it. */
    private static final String STOP = new String("stop");

    private record Writer(BlockingQueue<String> queue, Thread thread) {}

    private final Map<Long, Writer> writers = new ConcurrentHashMap<>();

    @Override
    public void accept(ChatConnection connection) {
        BlockingQueue<String> queue = new ArrayBlockingQueue<>(256);
        Thread thread = Thread.ofVirtual().name("writer-" + connection).start(() -> {
            try {
                for (String frame = queue.take(); frame != STOP; frame = queue.take()) { // the only writer
                    connection.write(frame);
                }
            } catch (IOException | InterruptedException failed) {
                // a failed write ends it; a client that left quietly leaves it waiting in take()
            }
        });
        writers.put(connection.id(), new Writer(queue, thread)); // LEAK: nothing ends it when its client leaves
        super.accept(connection);
    }

    /** Queues for the client's writer instead of writing; a full queue evicts. */
    @Override
    protected void deliver(ChatConnection client, String frame) {
        Writer writer = writers.get(client.id());
        if (writer != null && !writer.queue().offer(frame) && writers.remove(client.id(), writer)) {
            client.close(CloseCode.POLICY_VIOLATION, "too slow");
            context.metrics().evicted();
        }
    }

    /** Stops every writer, the leaked ones included, after what is queued. */
    @Override
    public void stop() {
        Duration grace = context.config().shutdownGrace();
        writers.values().forEach(w -> w.queue().offer(STOP));
        try {
            for (Writer w : writers.values()) {
                w.thread().join(grace);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
