package fivechats.transport;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * gorilla's {@code PreparedMessage}, the Java way: a frame is encoded to UTF-8 once, and every recipient sends the
 * same bytes. A model needs no new type for it: one fan-out hands the <em>same</em> {@code String} to every recipient
 * (the line its reader returned, or the join it built once), so the transport can recognise that instance and reuse
 * its bytes.
 *
 * <p>A small direct-mapped cache, keyed by identity: a slot holds the last frame whose identity hash landed there and
 * its bytes. A miss (a new frame, or a slot taken by another) only costs the encoding it would have cost anyway, so
 * the cache needs no lock; each slot's entry is immutable and published whole.
 *
 * <p>Invariant: <b>the bytes are never written after they are cached</b>. Each send wraps them in a buffer of its own,
 * because Jetty advances a buffer's position as it writes it; a server's frames are not masked, so Jetty only reads
 * the bytes.
 */
final class EncodedFrames {
    /** Slots: far more than the frames in flight at once in one fan-out (a line, a join, a leave), so few collide. */
    private static final int SLOTS = 1024;

    private record Entry(String frame, byte[] utf8) {}

    private final AtomicReferenceArray<Entry> slots = new AtomicReferenceArray<>(SLOTS);

    /** The frame's UTF-8 bytes, for this send only. */
    ByteBuffer utf8(String frame) {
        int slot = System.identityHashCode(frame) & (SLOTS - 1);
        Entry entry = slots.getPlain(slot); // a stale read is only a miss: the entry's fields are final
        if (entry == null || entry.frame() != frame) {
            entry = new Entry(frame, frame.getBytes(StandardCharsets.UTF_8));
            slots.setRelease(slot, entry);
        }
        return ByteBuffer.wrap(entry.utf8());
    }

    /**
     * Several frames as few payloads, for a client that connected with {@code coalesce=on}: events one after the other,
     * a newline between them (no frame Jackson writes holds a raw newline: one in a line is written {@code \n}), each
     * payload at most {@link #COALESCED_BYTES} unless one event alone is larger. gorilla's examples/chat does this in
     * its write pump. A payload of several events is a copy made for this send alone, not the shared bytes; an event
     * that goes alone is still sent from them. Chapter 10 measures the trade: no gain on two cores.
     */
    List<ByteBuffer> coalesced(List<String> frames) {
        List<ByteBuffer> payloads = new ArrayList<>();
        List<ByteBuffer> group = new ArrayList<>();
        int bytes = 0;
        for (String frame : frames) {
            ByteBuffer event = utf8(frame);
            if (!group.isEmpty() && bytes + 1 + event.remaining() > COALESCED_BYTES) {
                payloads.add(joined(group, bytes));
                group.clear();
            }
            bytes = group.isEmpty() ? event.remaining() : bytes + 1 + event.remaining();
            group.add(event);
        }
        if (!group.isEmpty()) {
            payloads.add(joined(group, bytes));
        }
        return payloads;
    }

    private static ByteBuffer joined(List<ByteBuffer> events, int bytes) {
        if (events.size() == 1) {
            return events.getFirst(); // the shared bytes, not a copy
        }
        ByteBuffer payload = ByteBuffer.allocate(bytes);
        for (int i = 0; i < events.size(); i++) {
            if (i > 0) {
                payload.put((byte) '\n');
            }
            payload.put(events.get(i));
        }
        return payload.flip();
    }

    /**
     * The most bytes of several events in one frame: a quarter of the 64 KiB that Jetty's client accepts in a text
     * message by default, and a few network writes; gorilla's example has no bound but a queue of 256 short lines.
     */
    static final int COALESCED_BYTES = 16 * 1024;
}
