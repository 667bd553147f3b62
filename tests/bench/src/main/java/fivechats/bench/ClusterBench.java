package fivechats.bench;

import fivechats.race.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The cluster scenario (chapter 12): one model on 1, 2 and 3 server processes sharing a real Redis, against the same
 * model alone. The clients are spread evenly over the servers, and so are the senders; each sender's next line leaves
 * when its previous one has come back to it, so the broker's hop shows in the latency and in the rate. Redis's own CPU
 * time comes from /proc, like the servers'.
 *
 * <p>Writes {@code benchmark-cluster.md} and {@code benchmark-cluster.json} beside the main benchmark's files.
 */
final class ClusterBench {
    /** The model: gorilla's shape, the one chapter 12 follows. */
    static final String MODEL = "channel-hub";

    /** One way to run the model: alone, or on {@code servers} processes with a bus. */
    record Setup(String name, int servers, String mode) {}

    static final List<Setup> SETUPS = List.of(
            new Setup("alone, no broker", 1, null),
            new Setup("streams, 1 server", 1, "streams"),
            new Setup("streams, 2 servers", 2, "streams"),
            new Setup("streams, 3 servers", 3, "streams"),
            new Setup("pubsub, 3 servers", 3, "pubsub"));

    /** Counts: clients in all, senders among them, lines per sender, runs per setup. */
    record Counts(int clients, int senders, int lines, int runs) {}

    static final Counts FULL = new Counts(300, 12, 100, 3);
    static final Counts SMOKE = new Counts(12, 3, 10, 1);

    record Row(
            String setup,
            int run,
            int servers,
            int clients,
            double deliveriesPerSecond,
            double p50Millis,
            double p99Millis,
            long lost,
            long outOfOrder,
            double serverMicrosPerDelivery,
            double redisMicrosPerDelivery,
            double redisCpuPercent,
            double hopP50Millis) {}

    private ClusterBench() {}

    static List<Row> run(Path root, Path java, Counts counts, Load load, Path out) throws Exception {
        if (!RedisServer.installed()) {
            String why = "cluster scenario skipped: no " + RedisServer.BINARY + " (" + RedisServer.INSTALL + ")";
            if (System.getenv("CI") != null) {
                throw new IllegalStateException(why);
            }
            System.out.println(why);
            return List.of();
        }
        List<Row> rows = new ArrayList<>();
        for (int run = 1; run <= counts.runs(); run++) {
            for (Setup setup : SETUPS) {
                rows.add(measure(root, java, setup, run, counts, load));
                System.out.println("  " + describe(rows.getLast()));
            }
        }
        write(out, counts, rows);
        List<Row> broken =
                rows.stream().filter(r -> r.lost() != 0 || r.outOfOrder() != 0).toList();
        if (!broken.isEmpty()) { // no blip here, so even pub/sub must deliver everything, in order
            throw new IllegalStateException("the cluster scenario lost or reordered lines: " + broken);
        }
        return rows;
    }

    private static Row measure(Path root, Path java, Setup setup, int run, Counts counts, Load load) throws Exception {
        System.out.printf("run %d, cluster: %s, %s%n", run, MODEL, setup.name());
        try (RedisServer redis = RedisServer.start()) {
            List<ServerProcess> servers = new ArrayList<>();
            try {
                for (int i = 0; i < setup.servers(); i++) {
                    String flags = setup.mode() == null
                            ? MODEL
                            : MODEL + " --broker " + redis.uri() + " --broker-mode " + setup.mode() + " --node "
                                    + (char) ('A' + i);
                    servers.add(ServerProcess.start(
                            Benchmark.jar(root, java, flags, MODEL, Benchmark.FAN_OUT, "")
                                    .command(),
                            true));
                }
                // The hop first, before the crowd connects: one sender, two clients on each server, nothing else going
                // on.
                List<Load.Client> few = new ArrayList<>();
                for (int i = 0; i < servers.size(); i++) {
                    few.addAll(load.connect(servers.get(i), "q" + (char) ('a' + i), 2, null));
                }
                few.sort(Comparator.comparing(c -> c.name.charAt(2))); // one on each server first: the sender is on A
                double hop;
                try {
                    load.fanOut(few, 1, Math.max(2, counts.lines() / 5), 0); // warm-up, not counted
                    hop = load.fanOut(few, 1, counts.lines(), 0).p50Millis();
                } finally {
                    Load.closeAll(few);
                }
                // Client i is on server i mod k, so the senders (the first few) are spread over the servers too.
                List<List<Load.Client>> perServer = new ArrayList<>();
                for (int i = 0; i < servers.size(); i++) {
                    int n = (counts.clients() - i + servers.size() - 1) / servers.size();
                    perServer.add(load.connect(servers.get(i), String.valueOf((char) ('a' + i)), n, null));
                }
                List<Load.Client> clients = new ArrayList<>();
                for (int i = 0; i < counts.clients(); i++) {
                    clients.add(perServer.get(i % servers.size()).get(i / servers.size()));
                }
                try {
                    load.fanOut(clients, counts.senders(), Math.max(2, counts.lines() / 5), 0); // warm-up, not counted
                    long serverCpu = 0;
                    for (ServerProcess s : servers) {
                        serverCpu -= s.cpuTime().total();
                    }
                    long redisCpu =
                            -ServerProcess.cpuTime(Long.toString(redis.pid())).total();
                    long wall = System.nanoTime();
                    Load.FanOut f = load.fanOut(clients, counts.senders(), counts.lines(), 0);
                    wall = System.nanoTime() - wall;
                    for (ServerProcess s : servers) {
                        serverCpu += s.cpuTime().total();
                    }
                    redisCpu +=
                            ServerProcess.cpuTime(Long.toString(redis.pid())).total();
                    double delivered = Math.max(1, f.delivered());
                    return new Row(
                            setup.name(),
                            run,
                            setup.servers(),
                            counts.clients(),
                            f.deliveriesPerSecond(),
                            f.p50Millis(),
                            f.p99Millis(),
                            f.lost(),
                            f.outOfOrder(),
                            serverCpu / 1000.0 / delivered,
                            redisCpu / 1000.0 / delivered,
                            100.0 * redisCpu / wall,
                            hop);
                } finally {
                    perServer.forEach(Load::closeAll);
                }
            } finally {
                for (ServerProcess s : servers) {
                    s.close();
                }
            }
        }
    }

    static String describe(Row r) {
        return String.format(
                Locale.ROOT,
                "%-20s n=%-4d %,10.0f deliveries/s  p50 %6.2f ms  p99 %6.2f ms  lost %d  out of order %d  servers %.2f"
                        + " us/delivery  redis %.2f us/delivery (%.0f%% of a core)  quiet round trip %.2f ms",
                r.setup(),
                r.clients(),
                r.deliveriesPerSecond(),
                r.p50Millis(),
                r.p99Millis(),
                r.lost(),
                r.outOfOrder(),
                r.serverMicrosPerDelivery(),
                r.redisMicrosPerDelivery(),
                r.redisCpuPercent(),
                r.hopP50Millis());
    }

    private static void write(Path out, Counts counts, List<Row> rows) throws Exception {
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("counts", counts);
        raw.put("results", rows);
        Files.writeString(
                out.resolve("benchmark-cluster.json"), Benchmark.json().writeValueAsString(raw));
        StringBuilder md = new StringBuilder("# The cluster benchmark\n\n");
        md.append(String.format(
                Locale.ROOT,
                "Generated by `tests/bench` (%s); the story is in [chapter 12](12-scale-out.md). The %s model, %d"
                    + " clients spread evenly over the servers, %d of them sending %d lines each, closed loop (a"
                    + " sender's next line leaves when its previous one has come back), every process on the same 2"
                    + " cores with one `redis-server`. Medians of %d run(s). The quiet round trip is a lone sender's"
                    + " line coming back to it, two clients on each server and nothing else going on: what the"
                    + " broker's hop adds, without queues.%n%n",
                counts.runs() > 1 ? "full mode" : "smoke mode: its figures mean nothing",
                MODEL,
                counts.clients(),
                counts.senders(),
                counts.lines(),
                counts.runs()));
        md.append("| setup | deliveries/s | p50 | p99 | quiet round trip | lost | out of order | servers' CPU per"
                + " delivery | Redis's CPU per delivery | Redis's CPU |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Setup setup : SETUPS) {
            List<Row> of =
                    rows.stream().filter(r -> r.setup().equals(setup.name())).toList();
            if (of.isEmpty()) {
                continue;
            }
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %,.0f | %.2f ms | %.2f ms | %.2f ms | %d | %d | %.2f us | %.2f us | %.0f%% of a core |%n",
                    setup.name(),
                    median(of, Row::deliveriesPerSecond),
                    median(of, Row::p50Millis),
                    median(of, Row::p99Millis),
                    median(of, Row::hopP50Millis),
                    of.stream().mapToLong(Row::lost).sum(),
                    of.stream().mapToLong(Row::outOfOrder).sum(),
                    median(of, Row::serverMicrosPerDelivery),
                    median(of, Row::redisMicrosPerDelivery),
                    median(of, Row::redisCpuPercent)));
        }
        Files.writeString(out.resolve("benchmark-cluster.md"), md.toString());
    }

    private static double median(List<Row> rows, java.util.function.ToDoubleFunction<Row> field) {
        return Report.median(rows.stream().map(field::applyAsDouble).toList());
    }
}
