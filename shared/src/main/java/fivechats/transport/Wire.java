package fivechats.transport;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The wire protocol: the only place frames are encoded, always by Jackson, never by string concatenation
 * (a name or a line may hold quotes, backslashes or {@code </script>}).
 *
 * <pre>
 * {"type":"welcome","you":"alice","online":["alice","bob"]}   first frame, to the new client only
 * {"type":"join","name":"bob"}                                 to everyone already online
 * {"type":"leave","name":"bob"}                                to everyone still online
 * {"type":"chat","from":"alice","seq":7,"text":"hi"}           to everyone, the sender included
 * </pre>
 *
 * <p>In a cluster on Redis Streams, a chat frame also carries its position in the cluster's stream, and a client that
 * reconnects with {@code since=ID} hears what it missed (chapter 12, "Resume after a blip"):
 * <pre>
 * {"type":"chat","from":"alice","seq":7,"text":"hi","id":"1733412345678-0"}
 * {"type":"resumed","since":"1733412345678-0","lines":12}      after the lines it missed: nothing is missing
 * {"type":"gap","since":"1733412345678-0","reason":"..."}      continuity cannot be proven, and why
 * </pre>
 */
public final class Wire {
    /** 1-32 characters of letters, digits, underscore, dot and dash: safe in a URL, a log line and a page. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,32}");
    /** Why a name was refused, as the HTTP 400 body says it. */
    public static final String NAME_RULE = "name must be 1-32 characters of A-Z a-z 0-9 _ . -";

    /** Encodes at once that keep their buffers: more than the cores that can run them; any beyond borrow fresh. */
    private static final int RECYCLERS = 64;
    /**
     * Jackson lends each encode a {@code BufferRecycler} (two char buffers, about 8 KiB) from a pool. Its default
     * pool keeps one per thread, and a virtual thread per connection made that one per connection: 80 MiB of idle
     * buffers at 10,000 idle connections, measured in a heap histogram. A pool shared by all threads keeps as
     * many as ever encode at once, at most {@link #RECYCLERS}.
     */
    static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .recyclerPool(JsonRecyclerPools.newBoundedPool(RECYCLERS))
            .build());

    private Wire() {}

    public static boolean isValidName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    @JsonPropertyOrder({"type", "you", "online"})
    record Welcome(String type, String you, List<String> online) {}

    @JsonPropertyOrder({"type", "name"})
    record Presence(String type, String name) {}

    @JsonPropertyOrder({"type", "from", "seq", "text"})
    record Chat(String type, String from, long seq, String text) {}

    @JsonPropertyOrder({"type", "since", "lines"})
    record Resumed(String type, String since, int lines) {}

    @JsonPropertyOrder({"type", "since", "reason"})
    record Gap(String type, String since, String reason) {}

    /** A stream id, as Redis writes one: milliseconds, a dash, a sequence number. */
    public static final Pattern STREAM_ID = Pattern.compile("[0-9]{1,19}-[0-9]{1,19}");

    private static final String ID_FIELD = ",\"id\":\"";

    /**
     * A chat frame with its position in the cluster's stream, added as the last field. A stream id is digits and a
     * dash, so it needs no escaping; made once per line per server, and shared by every client it goes to.
     */
    public static String withId(String chat, String id) {
        return chat.substring(0, chat.length() - 1) + ID_FIELD + id + "\"}";
    }

    /**
     * The stream position of a chat frame made by {@link #withId}, or null. Safe on any text: inside an encoded
     * string every quote is escaped, so the field's unescaped {@code ,"id":"} can only be the field itself.
     */
    public static String lineId(String frame) {
        if (!frame.endsWith("\"}") || !frame.startsWith(CHAT_PREFIX)) {
            return null;
        }
        int at = frame.lastIndexOf(ID_FIELD);
        return at < 0 ? null : frame.substring(at + ID_FIELD.length(), frame.length() - 2);
    }

    /** Orders two stream ids as Redis does: by milliseconds, then by sequence number. Allocates nothing. */
    public static int compareIds(String a, String b) {
        int da = a.indexOf('-');
        int db = b.indexOf('-');
        int millis = Long.compare(Long.parseLong(a, 0, da, 10), Long.parseLong(b, 0, db, 10));
        return millis != 0
                ? millis
                : Long.compare(Long.parseLong(a, da + 1, a.length(), 10), Long.parseLong(b, db + 1, b.length(), 10));
    }

    /** After the lines a resuming client missed: every one of them has been sent. */
    public static String resumed(String since, int lines) {
        return encode(new Resumed("resumed", since, lines));
    }

    /** To a resuming client: what it missed cannot all be sent, and why. */
    public static String gap(String since, String reason) {
        return encode(new Gap("gap", since, reason));
    }

    /** The first frame a new client gets: who it is and who is online (itself included). */
    public static String welcome(String you, List<String> online) {
        return encode(new Welcome("welcome", you, online));
    }

    /**
     * The welcome for {@code newcomer}, with {@code online} (every name online, the newcomer's included) read only if
     * it hears presence. One that connected with {@code presence=off} is welcomed with its own name alone, as the
     * protocol has it, and the stream is never run: a list of N names built and written for each of N quiet clients
     * would make connecting them N squared / 2 steps, wherever the model registers its clients (under its lock, or
     * on its one thread).
     */
    public static String welcome(ChatConnection newcomer, Stream<String> online) {
        String you = newcomer.name();
        return welcome(you, newcomer.hearsPresence() ? online.toList() : List.of(you));
    }

    /** Who a welcome frame says is online. */
    public static List<String> online(String welcome) {
        try {
            return JSON.readValue(welcome, Welcome.class).online();
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a welcome frame: " + welcome, e);
        }
    }

    public static String join(String name) {
        return encode(new Presence("join", name));
    }

    public static String leave(String name) {
        return encode(new Presence("leave", name));
    }

    /**
     * True for a join or leave frame. A client that connected with {@code presence=off} never gets these: the
     * transport drops them for it before they are queued or written, so announcing a newcomer to N quiet clients
     * costs N checks, not N sends (see {@link ChatConnection#hearsPresence()}).
     */
    public static boolean isPresence(String frame) {
        return frame.startsWith(JOIN_PREFIX) || frame.startsWith(LEAVE_PREFIX);
    }

    /** True for a join frame; with {@link #isPresence}, false for a leave. */
    public static boolean isJoin(String frame) {
        return frame.startsWith(JOIN_PREFIX);
    }

    /** Who a join or leave frame names. */
    public static String presenceName(String frame) {
        try {
            return JSON.readValue(frame, Presence.class).name();
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a join or leave frame: " + frame, e);
        }
    }

    public static boolean isWelcome(String frame) {
        return frame.startsWith(WELCOME_PREFIX);
    }

    private static final String JOIN_PREFIX = "{\"type\":\"join\"";
    private static final String LEAVE_PREFIX = "{\"type\":\"leave\"";
    private static final String WELCOME_PREFIX = "{\"type\":\"welcome\"";
    private static final String CHAT_PREFIX = "{\"type\":\"chat\"";

    /** A chat line; the transport builds these in {@link ChatConnection#read()}, models only pass them on. */
    public static String chat(String from, long seq, String text) {
        return encode(new Chat("chat", from, seq, text));
    }

    private static String encode(Object frame) {
        try {
            return JSON.writeValueAsString(frame);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + frame, e); // records of strings always encode
        }
    }
}
