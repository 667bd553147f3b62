package fivechats.race;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fault harness's delay, checked on its own, so that a row of the fault table that says "500 ms late" was late:
 * through an echo server, a byte comes back the delay late in each direction, and in a steady stream (one byte every
 * 20 ms) every byte comes back the delay late, not more: a late link, whose bytes keep their spacing. Fails with the
 * sleep moved from {@code BrokerProxy.deliver} into the reader ({@code Thread.sleep(Duration.ofNanos(up ? lateUp :
 * lateDown));} before {@code onTheWire.add}, and {@code early} set to 0): a byte that arrives while the reader sleeps
 * waits out that sleep and its own, "byte 1 came back 981 ms late". And an end of stream goes after the late bytes
 * before it: fails with the reader closing both sockets when it reads the end, as the proxy's first delay did ({@code
 * try (InputStream in = from.getInputStream())} in {@code pump}): "a late byte followed by the end of stream is lost".
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BrokerProxyTest {
    /** The delay each way; long enough to tell from loopback's own latency on a busy runner. */
    private static final Duration LATE = Duration.ofMillis(500);
    /** What a late byte may take beyond the delay: four virtual threads and loopback, on a busy runner. */
    private static final Duration SLACK = Duration.ofMillis(250);

    private static final int STREAM = 50;

    @Test
    @DisplayName("a delayed proxy makes every byte late by the delay, in each direction, and no byte later than that")
    void everyByteIsLateByTheDelayAndNoMore() throws Exception {
        try (ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                BrokerProxy proxy = BrokerProxy.toPort(echo.getLocalPort())) {
            Thread.ofVirtual().start(() -> echo(echo));
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
                OutputStream out = client.getOutputStream();
                InputStream in = client.getInputStream();
                assertTrue(roundTrip(out, in) < LATE.toNanos(), "without a delay, a byte comes back at once");
                proxy.delay(LATE, Duration.ZERO);
                lateOnce(roundTrip(out, in), "a byte sent toward the target");
                proxy.delay(Duration.ZERO, LATE);
                lateOnce(roundTrip(out, in), "a byte coming from the target");
                proxy.delay(LATE, Duration.ZERO);
                AtomicLongArray sent = new AtomicLongArray(STREAM); // written by the sender, read here
                Thread sender = Thread.ofVirtual().start(() -> {
                    try {
                        for (int i = 0; i < STREAM; i++) {
                            sent.set(i, System.nanoTime());
                            out.write(i);
                            out.flush();
                            Thread.sleep(20); // the stream's pace, not a wait for anything
                        }
                    } catch (IOException | InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                for (int i = 0; i < STREAM; i++) {
                    assertEquals(i, in.read(), "the bytes come back in order");
                    long late = System.nanoTime() - sent.get(i);
                    assertTrue(
                            late >= LATE.toNanos(),
                            "byte " + i + " came back " + late / 1_000_000 + " ms late, sooner than the delay");
                    assertTrue(
                            late < LATE.plus(SLACK).toNanos(),
                            "byte " + i + " came back " + late / 1_000_000 + " ms late");
                }
                sender.join();
                proxy.resume();
                assertTrue(roundTrip(out, in) < LATE.toNanos(), "after resume, a byte comes back at once");
                proxy.delay(LATE, Duration.ZERO);
                out.write(9);
                client.shutdownOutput(); // the end of stream follows the late byte, and must not overtake it
                assertEquals(9, in.read(), "a late byte followed by the end of stream is lost");
                assertEquals(-1, in.read(), "the echo's end of stream is passed on");
            }
        }
    }

    private static void lateOnce(long nanos, String what) {
        assertTrue(
                nanos >= LATE.toNanos(), what + " came back " + nanos / 1_000_000 + " ms late, sooner than the delay");
        assertTrue(nanos < LATE.plus(SLACK).toNanos(), what + " came back " + nanos / 1_000_000 + " ms late");
    }

    /** Sends one byte and waits for it to come back; returns how long that took, in nanoseconds. */
    private static long roundTrip(OutputStream out, InputStream in) throws IOException {
        long start = System.nanoTime();
        out.write(7);
        out.flush();
        assertEquals(7, in.read());
        return System.nanoTime() - start;
    }

    private static void echo(ServerSocket listener) {
        try (Socket socket = listener.accept();
                InputStream in = socket.getInputStream();
                OutputStream out = socket.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException closed) {
            // the test is over
        }
    }
}
