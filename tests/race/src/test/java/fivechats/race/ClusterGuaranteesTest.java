package fivechats.race;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import fivechats.cluster.Cluster;
import fivechats.cluster.ClusterMetrics;
import fivechats.transport.ChatServer;
import fivechats.transport.ClusterConfig.Mode;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The cluster's guarantee table, measured: each fault below, against each bus, with the same chat going on, and what
 * every client saw, written to {@code tutorial/cluster-guarantees.md} (chapter 12 reads it). A command of its own,
 * {@code tests/race/faults.sh} (about three minutes); the test command skips it.
 *
 * <p>The workload: two servers, A (its Redis traffic through a {@link BrokerProxy}) and B; on each a sender that says
 * a numbered line every 10 ms and a watcher. The fault starts once each sender has said 100 lines, and the senders go
 * on for 200 lines after it ends. Then each sender says "end" until both watchers have it, and each watcher's frames
 * are checked: each sender's lines lost, received twice, out of order; its view of who is online, replayed from its
 * welcome and every join and leave after it: whether it was ever wrong, and how long after the fault it was right again.
 *
 * <p>Asserted, whatever the figures say: streams loses, repeats and reorders nothing under every fault but a Redis
 * restart (the stream goes with it) and refused writes, refused for want of a replica or of memory (a sender whose
 * line Redis refused is closed and told, never left to think it was heard); with either bus, every watcher's view is right again within {@link #PATIENCE}; and
 * under a fault shorter than the node TTL, no server is buried or finds itself buried. That last one fails on the row
 * "A 500 ms late" with {@code Roster.beat} checking the other servers' keys one after the other, after the renewal
 * ({@code if (redis.exists(nodeKey(other)) == 0)} in its loop): "1 heartbeat lapses".
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterGuaranteesTest extends ClusterFixture {
    private static final Path ROOT =
            Path.of(System.getProperty("fivechats.root", "../..")).normalize().toAbsolutePath();
    static final Path TABLE = ROOT.resolve("tutorial/cluster-guarantees.md");
    static final String COMMAND = "tests/race/faults.sh";
    /** How long a watcher's view may take to be right again after a fault: the node TTL, a beat, a read, and slack. */
    static final Duration PATIENCE = Duration.ofSeconds(20);
    /** Lines each sender says before the fault, and after it ends. */
    static final int BEFORE = 100;

    static final int AFTER = 200;
    static final List<String> EVERYONE = List.of("sa", "sb", "wa", "wb");

    /** The faults, in the table's order. */
    enum Fault {
        NONE("none", "the baseline: no fault", true),
        STALL_SHORT("A stalled 1 s", "A's Redis traffic held 1 s (less than the node TTL), then let go", true),
        STALL_LONG("A stalled 5 s", "held 5 s: past the node TTL (3 s), so B buries A, which then comes back", false),
        LATE(
                "A 500 ms late",
                "every byte between A and Redis 500 ms late each way for 5 s: a congested or distant link",
                true),
        REPLIES_HELD(
                "A's replies held 5 s",
                "a one-way partition: A's commands reach Redis, what Redis sends A is held 5 s",
                false),
        KILLED(
                "connections killed",
                "every broker connection of both servers killed once (CLIENT KILL); Lettuce reconnects",
                false),
        REFUSED(
                "writes refused 1 s",
                "Redis refuses writes for 1 s (min-replicas-to-write 1 with no replica: NOREPLICAS)",
                false),
        FULL(
                "Redis out of memory 1 s",
                "maxmemory below what Redis holds, noeviction: every write that may grow it refused (OOM) for 1 s",
                false),
        PAUSED(
                "writes paused 1 s",
                "CLIENT PAUSE 1000 WRITE: Redis holds every write (and PUBLISH) for 1 s, as during a failover",
                true),
        BUSY("Redis busy 1 s", "DEBUG SLEEP 1: Redis answers nobody for 1 s (a slow command, a slow fork)", true),
        RESTART("Redis restarted", "redis-server killed and started again, empty (no persistence)", false);

        final String title;
        final String what;
        /** A fault that leaves every heartbeat key alive (less than the node TTL): nobody may be buried. */
        final boolean shorterThanTheTtl;

        Fault(String title, String what, boolean shorterThanTheTtl) {
            this.title = title;
            this.what = what;
            this.shorterThanTheTtl = shorterThanTheTtl;
        }
    }

    /** What one run saw, summed over both watchers and both senders. */
    record Cell(
            int sent,
            int lost,
            int twice,
            int reordered,
            int presenceErrors,
            boolean viewWrong,
            double wrongFor,
            double healedAfter,
            List<String> closed) {
        String render() {
            StringBuilder cell = new StringBuilder(
                    lost == 0 && twice == 0 && reordered == 0
                            ? "every line once, in order"
                            : lost + " lost, " + twice + " twice, " + reordered + " out of order");
            if (!closed.isEmpty()) {
                cell.append("; ").append(String.join(", ", closed));
            }
            cell.append("; ")
                    .append(
                            !viewWrong
                                    ? "presence never wrong"
                                    : "presence wrong for " + seconds(wrongFor) + ", right again "
                                            + seconds(healedAfter) + " after the fault ended");
            if (presenceErrors > 0) {
                cell.append(" (").append(presenceErrors).append(" joins or leaves that contradicted the view)");
            }
            return cell.toString();
        }
    }

    private static String seconds(double s) {
        return s < 1 ? Math.round(s * 1000) + " ms" : String.format("%.1f s", s);
    }

    private static final Map<String, Cell> cells = new ConcurrentHashMap<>();

    @BeforeAll
    static void onlyWhenAskedFor() {
        assumeTrue(
                !System.getProperty("fivechats.faults", "").isEmpty(),
                "the fault run is a command of its own: " + COMMAND);
    }

    static Stream<Arguments> runs() {
        // or some of the faults' names: STALL_LONG,RESTART
        String only = System.getProperty("fivechats.faults", "true");
        return Stream.of(Fault.values())
                .filter(f -> only.equals("true") || List.of(only.split(",")).contains(f.name()))
                .flatMap(f -> Stream.of(Arguments.of(f, Mode.PUBSUB), Arguments.of(f, Mode.STREAMS)));
    }

    @ParameterizedTest(name = "{0} ({1})")
    @MethodSource("runs")
    void underFault(Fault fault, Mode mode) throws Exception {
        Cell cell = run(fault, mode);
        cells.put(fault + "/" + mode, cell);
        System.out.printf(
                "guarantees | %-18s | %-7s | %s%n", fault.title, mode.name().toLowerCase(), cell.render());
        if (mode == Mode.STREAMS && fault != Fault.RESTART) {
            String told =
                    fault == Fault.REFUSED || fault == Fault.FULL ? " by any sender that was not closed and told" : "";
            assertEquals(
                    0, cell.twice() + cell.reordered(), "streams repeated or reordered lines under " + fault.title);
            if (cell.closed().isEmpty()) {
                assertEquals(0, cell.lost(), "streams lost lines" + told + " under " + fault.title);
            }
        }
    }

    @AfterAll
    static void writeTheTable() throws Exception {
        if (cells.size() < Fault.values().length * 2) {
            return; // narrowed, or failed: the committed table stays as it was
        }
        StringBuilder md = new StringBuilder("""
            # The cluster under faults: what every client saw

            Written by `%s` (ClusterGuaranteesTest) on the machine it ran on; chapter 12 reads it. Each row is one
            fault, each column one bus, each cell what both watchers saw of both senders' lines (%d before the fault,
            %d after it, one every 10 ms each) and of who is online. The servers run the channel hub.

            | fault | what it is | pubsub | streams |
            |---|---|---|---|
            """.formatted(COMMAND, BEFORE, AFTER));
        for (Fault fault : Fault.values()) {
            md.append("| ")
                    .append(fault.title)
                    .append(" | ")
                    .append(fault.what)
                    .append(" | ")
                    .append(cells.get(fault + "/" + Mode.PUBSUB).render())
                    .append(" | ")
                    .append(cells.get(fault + "/" + Mode.STREAMS).render())
                    .append(" |\n");
        }
        Files.writeString(TABLE, md.toString());
        System.out.println("wrote " + ROOT.relativize(TABLE));
    }

    private Cell run(Fault fault, Mode mode) throws Exception {
        try (ClusterRig rig = new ClusterRig(redis, mode);
                BrokerProxy network = BrokerProxy.to(redis.uri())) {
            ChatServer a = rig.start(HUB, network.uri());
            ChatServer b = rig.start(HUB);
            Map<String, ChatClient> senders = Map.of("sa", join(rig, 0, "sa"), "sb", join(rig, 1, "sb"));
            List<ChatClient> watchers = List.of(join(rig, 0, "wa"), join(rig, 1, "wb"));
            for (ChatClient watcher : watchers) {
                await().alias(watcher.name() + " sees everyone")
                        .until(() -> EVERYONE.equals(view(watcher).online()));
            }
            Map<String, AtomicInteger> said = new HashMap<>();
            Map<String, String> closed = new ConcurrentHashMap<>();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> threads = new ArrayList<>();
            senders.forEach((name, sender) -> {
                AtomicInteger count = new AtomicInteger();
                said.put(name, count);
                threads.add(Thread.ofPlatform().name("say-" + name).start(() -> {
                    try {
                        while (!stop.get()) {
                            sender.send(Integer.toString(count.get() + 1));
                            count.incrementAndGet();
                            Thread.sleep(10); // the workload's pace, not a wait for anything
                        }
                    } catch (RuntimeException | InterruptedException ended) {
                        ChatClient.Close close = sender.closed().getNow(null);
                        closed.put(
                                name,
                                name + " closed by its server"
                                        + (close == null
                                                ? ""
                                                : " (" + close.code() + " '" + close.reason()
                                                        + "'), lines it had sent since lost with it"));
                    }
                }));
            });
            long faultEnded;
            try {
                await().alias("each sender says " + BEFORE + " lines")
                        .until(() -> said.values().stream().allMatch(c -> c.get() >= BEFORE));
                inject(fault, network);
                faultEnded = System.nanoTime();
                int now = said.values().stream()
                        .mapToInt(AtomicInteger::get)
                        .max()
                        .orElseThrow();
                await().atMost(PATIENCE)
                        .alias("the senders say " + AFTER + " more lines")
                        .until(() -> said.values().stream().allMatch(c -> c.get() >= now + AFTER) || !closed.isEmpty());
            } finally {
                stop.set(true);
                for (Thread thread : threads) {
                    thread.join();
                }
            }
            await().atMost(PATIENCE)
                    .pollInterval(Duration.ofMillis(200))
                    .alias("both watchers have every open sender's end")
                    .until(() -> {
                        boolean all = true;
                        for (Map.Entry<String, ChatClient> sender : senders.entrySet()) {
                            if (closed.containsKey(sender.getKey())) {
                                continue;
                            }
                            if (watchers.stream().anyMatch(w -> !w.hasChat(sender.getKey(), "end"))) {
                                sender.getValue().send("end"); // said again: pub/sub may lose one
                                all = false;
                            }
                        }
                        return all;
                    });
            List<String> online = new ArrayList<>(EVERYONE);
            closed.keySet().forEach(online::remove);
            for (ChatClient watcher : watchers) {
                try {
                    await().atMost(PATIENCE)
                            .until(() -> online.equals(view(watcher).online()));
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    throw new AssertionError(
                            watcher.name() + "'s view is not right " + PATIENCE.toSeconds() + " s after "
                                    + fault.title + " (" + mode + "): it lists "
                                    + view(watcher).online() + " instead of " + online
                                    + "; its joins and leaves: " + presence(watcher));
                }
            }
            int lost = 0;
            int twice = 0;
            int reordered = 0;
            int errors = 0;
            boolean wrong = false;
            double healed = 0;
            double wrongFor = 0;
            for (ChatClient watcher : watchers) {
                for (String sender : senders.keySet()) {
                    List<Integer> got = watcher.framesOfType("chat").stream()
                            .filter(f -> f.path("from").asText().equals(sender)
                                    && !f.path("text").asText().equals("end"))
                            .map(f -> Integer.parseInt(f.path("text").asText()))
                            .toList();
                    long distinct = got.stream().distinct().count();
                    lost += said.get(sender).get() - (int) distinct;
                    twice += got.size() - (int) distinct;
                    for (int i = 1; i < got.size(); i++) {
                        reordered += got.get(i) < got.get(i - 1) ? 1 : 0;
                    }
                }
                View view = view(watcher, online);
                errors += view.errors();
                if (view.lastWrong() > 0) {
                    wrong = true;
                    healed = Math.max(healed, Math.max(0, view.rightAgain() - faultEnded) / 1e9);
                    wrongFor = Math.max(wrongFor, view.wrongFor() / 1e9);
                }
            }
            assertTrue(Cluster.of(a).metrics().clusterBadEntries() == 0, "A skipped stream entries it could not read");
            if (fault.shorterThanTheTtl) {
                for (ChatServer server : List.of(a, b)) {
                    ClusterMetrics m = Cluster.of(server).metrics();
                    assertEquals(
                            0,
                            m.heartbeatLapses() + m.deathsNoticed(),
                            "under " + fault.title + ", shorter than the"
                                    + " node TTL, a server was buried or found itself buried: " + m.heartbeatLapses()
                                    + " heartbeat lapses, " + m.deathsNoticed() + " deaths noticed");
                }
            }
            return new Cell(
                    said.values().stream().mapToInt(AtomicInteger::get).sum(),
                    lost,
                    twice,
                    reordered,
                    errors,
                    wrong,
                    wrongFor,
                    healed,
                    closed.values().stream().sorted().toList());
        }
    }

    private static void inject(Fault fault, BrokerProxy network) throws Exception {
        switch (fault) {
            case NONE -> {}
            case LATE -> {
                network.delay(Duration.ofMillis(500), Duration.ofMillis(500));
                Thread.sleep(5000); // the fault's length: the workload goes on
                network.resume();
            }
            case REPLIES_HELD -> {
                network.holdReplies();
                Thread.sleep(5000); // the fault's length: the workload goes on
                network.resume();
            }
            case STALL_SHORT, STALL_LONG -> {
                network.stall();
                Thread.sleep(fault == Fault.STALL_SHORT ? 1000 : 5000); // the fault's length: the workload goes on
                network.resume();
            }
            case KILLED -> redis.killClients("fivechats:");
            case REFUSED -> {
                redis.admin().configSet("min-replicas-to-write", "1");
                try {
                    Thread.sleep(1000); // the fault's length
                } finally {
                    redis.admin().configSet("min-replicas-to-write", "0");
                }
            }
            case FULL -> {
                redis.admin().configSet("maxmemory-policy", "noeviction");
                redis.admin().configSet("maxmemory", "1");
                try {
                    Thread.sleep(1000); // the fault's length
                } finally {
                    redis.admin().configSet("maxmemory", "0");
                }
            }
            case PAUSED -> {
                command(CommandType.CLIENT, "PAUSE", "1000", "WRITE");
                Thread.sleep(1000); // the fault's length: Redis lifts the pause by itself
            }
            case BUSY -> command(CommandType.DEBUG, "SLEEP", "1"); // returns when Redis answers again
            case RESTART -> redis.restart();
        }
    }

    /** A command Lettuce has no method for, on the test's own connection to Redis. */
    private static void command(CommandType type, String... args) {
        CommandArgs<String, String> arguments = new CommandArgs<>(StringCodec.UTF8);
        for (String arg : args) {
            arguments.add(arg);
        }
        redis.admin().dispatch(type, new StatusOutput<>(StringCodec.UTF8), arguments);
    }

    /**
     * A watcher's view of who is online, replayed from its frames: its welcome, then each join and leave. {@code
     * errors} counts those that contradicted the view (a join of someone listed, a leave of someone not). Once the view
     * has listed everyone, it is wrong whenever it lists someone twice, someone not there, or misses someone still open
     * ({@code right}: a sender its server closed may be listed until its leave comes);
     * {@code lastWrong} is when it was last wrong (0 if never), {@code rightAgain} when it was last made right, {@code
     * wrongFor} the longest it stayed wrong.
     */
    record View(List<String> online, int errors, long lastWrong, long rightAgain, long wrongFor) {}

    private static List<String> presence(ChatClient client) {
        return client.frames().stream()
                .filter(f -> !f.path("type").asText().equals("chat"))
                .map(f -> f.path("type").asText() + " " + f.path("name").asText() + f.path("online"))
                .toList();
    }

    static View view(ChatClient client) {
        return view(client, EVERYONE);
    }

    static View view(ChatClient client, List<String> right) {
        List<JsonNode> frames = client.frames();
        List<Long> arrivals = client.arrivals();
        List<String> online = new ArrayList<>();
        int errors = 0;
        long lastWrong = 0;
        long rightAgain = 0;
        long wrongSince = 0;
        long wrongFor = 0;
        boolean complete = false;
        for (int i = 0; i < frames.size(); i++) {
            JsonNode frame = frames.get(i);
            String name = frame.path("name").asText();
            switch (frame.path("type").asText()) {
                case "welcome" -> frame.path("online").forEach(n -> online.add(n.asText()));
                case "join" -> {
                    errors += online.contains(name) ? 1 : 0;
                    online.add(name);
                }
                case "leave" -> errors += online.remove(name) ? 0 : 1;
                default -> {
                    continue;
                }
            }
            List<String> sorted = new ArrayList<>(online);
            sorted.sort(null);
            boolean isRight = sorted.equals(EVERYONE)
                    || complete
                            && EVERYONE.containsAll(sorted)
                            && sorted.containsAll(right)
                            && sorted.stream().distinct().count() == sorted.size();
            if (isRight) {
                complete = true;
                if (wrongSince > 0) {
                    rightAgain = arrivals.get(i);
                    wrongFor = Math.max(wrongFor, rightAgain - wrongSince);
                    wrongSince = 0;
                }
            } else if (complete) {
                lastWrong = arrivals.get(i);
                wrongSince = wrongSince > 0 ? wrongSince : lastWrong;
            }
        }
        online.sort(null);
        return new View(online, errors, lastWrong, rightAgain, wrongFor);
    }
}
