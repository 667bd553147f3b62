package fivechats.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How many idle clients one server holds, all at once: {@code -Dbench.mode=capacity -Dbench.clients=N}. For each model
 * it connects N clients (presence off, as every benchmark client), keeps them through two ping periods, has one of
 * them say a line that every one must hear, and prints the server's memory per connection after a forced GC, the
 * time to connect them and the time for that one broadcast. Clients come from {@link Crowd} processes, each with
 * its own source address (127.0.0.2, 127.0.0.3, ..., and others again for the next model), so neither one
 * process's open-files limit nor one address's ephemeral ports bound N; the server's own open-files limit does, and
 * the run refuses at once an N it cannot hold.
 */
final class Capacity {
    /** Connections from one source address to the server's one port: 127.0.0.1's ephemeral ports are 32768-60999. */
    static final int PER_ADDRESS = 25_000;
    /** Files a process holds besides its sockets: jars, the JDK's modules, epoll, pipes, the acceptor. */
    static final int OTHER_FILES = 200;
    /** The server's heap: the JVM settings' 1 GiB, or 40 KiB a connection where that is more (15 KiB was measured). */
    static final long HEAP_PER_CLIENT = 40 * 1024;

    /** One size of run: its clients, the most per load process, the server's pong wait and ping period. */
    record Plan(int clients, int perProcess, int pongWaitSeconds, int pingPeriodSeconds) {}

    /**
     * The smoke run in {@code ./mvnw verify}: 300 clients from two load processes, a ping every second and 6 s for its
     * pong, room for a stall of the freshly started load JVMs on two busy cores.
     */
    static final Plan SMOKE = new Plan(300, 150, 6, 1);

    private Capacity() {}

    /** Fails the smoke run unless every client stayed connected and heard the line. */
    static void checkSmoke(List<Row> rows) {
        for (Row r : rows) {
            if (r.openAfter() != r.clients() || r.heard() != r.clients() || r.heartbeatDrops() != 0) {
                throw new IllegalStateException("capacity smoke: " + r);
            }
        }
        System.out.println("capacity smoke: every client stayed through two ping periods and heard the line");
    }

    /** The open-files hard limit of this process (its children inherit it), from /proc/self/limits. */
    static long openFilesLimit() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) {
                String hard = line.substring("Max open files".length()).trim().split("\\s+")[1];
                return hard.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(hard);
            }
        }
        throw new IOException("no 'Max open files' in /proc/self/limits");
    }

    /** The plan for N clients on this machine, or a refusal that says why and what N it can hold. */
    static Plan plan(int clients, int pongWaitSeconds, int pingPeriodSeconds) throws IOException {
        long limit = openFilesLimit();
        if (clients + OTHER_FILES > limit) {
            throw new IllegalArgumentException(String.format(
                    Locale.ROOT,
                    "%,d clients need %,d open files in the server's process, and this machine allows a process %,d"
                        + " (its hard limit, `ulimit -Hn`). Raise it where you may (as root, outside a container that"
                        + " withholds CAP_SYS_RESOURCE: `ulimit -Hn %d` in the shell that runs Maven, or nofile in"
                        + " /etc/security/limits.conf), or run with -Dbench.clients=%d, the most this machine holds.",
                    clients,
                    clients + OTHER_FILES,
                    limit,
                    clients + OTHER_FILES,
                    limit - OTHER_FILES));
        }
        return new Plan(clients, (int) Math.min(PER_ADDRESS, limit - OTHER_FILES), pongWaitSeconds, pingPeriodSeconds);
    }

    /** What one model's run measured. */
    record Row(
            String model,
            int clients,
            double connectSeconds,
            int openAfter,
            double heartbeatDrops,
            double broadcastMillis,
            int heard,
            double rssKiB,
            double heapKiB,
            double rssMiB,
            List<String> heapByClass) {}

    static List<Row> run(Path root, Path java, Plan plan, List<String> models, Path out) throws Exception {
        Path jcmd = java.resolveSibling("jcmd");
        List<Row> rows = new ArrayList<>();
        for (int m = 0; m < models.size(); m++) {
            // Each model's clients from source addresses of their own: the last model's closed sockets hold their
            // ports in TIME_WAIT for a minute, and binding to an address whose ports are all taken fails.
            rows.add(measure(root, java, jcmd, plan, models.get(m), 2 + m * processes(plan)));
        }
        StringBuilder md = new StringBuilder(String.format(
                Locale.ROOT,
                "# Capacity: %,d idle clients on one server%n%nPresence off; clients from %d load process(es) of at"
                        + " most %,d, each with its own source address; the server runs with models/server.jvm, -Xmx%dm"
                        + " and --pong-wait %ds (a ping every %.1f s), and the clients stay %.0f s (two ping periods)"
                        + " before one of them says a line. Memory: growth over the empty server after a forced GC,"
                        + " divided by the clients.%n%n| model | connected in | still open after two ping periods |"
                        + " heartbeat drops | the line reached | in | RSS per connection | heap per connection | RSS"
                        + " |%n|---|---|---|---|---|---|---|---|---|%n",
                plan.clients(),
                processes(plan),
                plan.perProcess(),
                heapMiB(plan),
                plan.pongWaitSeconds(),
                (double) plan.pingPeriodSeconds(),
                2.0 * plan.pingPeriodSeconds()));
        for (Row r : rows) {
            md.append(String.format(
                    Locale.ROOT,
                    "| %s | %.1f s | %,d | %.0f | %,d | %.0f ms | %.1f KiB | %.1f KiB | %.0f MiB |%n",
                    r.model(),
                    r.connectSeconds(),
                    r.openAfter(),
                    r.heartbeatDrops(),
                    r.heard(),
                    r.broadcastMillis(),
                    r.rssKiB(),
                    r.heapKiB(),
                    r.rssMiB()));
        }
        md.append(String.format(
                Locale.ROOT,
                "%nWhere a connection's heap goes: the classes whose live bytes grew most from the"
                        + " empty server to %,d clients (`jcmd PID GC.class_histogram`, after the line), per client.%n",
                plan.clients()));
        for (Row r : rows) {
            md.append(String.format(
                    Locale.ROOT,
                    "%n### %s%n%n| class | bytes per client | instances per client |%n|---|---|---|%n",
                    r.model()));
            r.heapByClass().forEach(line -> md.append(line).append('\n'));
        }
        Files.createDirectories(out);
        Files.writeString(out.resolve("capacity.md"), md);
        System.out.print(md);
        return rows;
    }

    private static int processes(Plan plan) {
        return (plan.clients() + plan.perProcess() - 1) / plan.perProcess();
    }

    private static long heapMiB(Plan plan) {
        return Math.max(1024, plan.clients() * HEAP_PER_CLIENT / 1048576);
    }

    /** @param firstAddress the last byte of the first source address, 127.0.0.firstAddress, for this model's clients */
    private static Row measure(Path root, Path java, Path jcmd, Plan plan, String model, int firstAddress)
            throws Exception {
        List<String> command = Benchmark.modelCommand(root, java, model, "-Xmx" + heapMiB(plan) + "m");
        command.addAll(
                List.of("--pong-wait", plan.pongWaitSeconds() + "s", "--ping-period", plan.pingPeriodSeconds() + "s"));
        System.out.printf(Locale.ROOT, "%s: %,d clients%n", model, plan.clients());
        try (ServerProcess server = ServerProcess.start(command, true)) {
            server.gc(jcmd);
            long rssBefore = server.rssBytes();
            double heapBefore = server.metric(Benchmark.HEAP_USED);
            Map<String, long[]> classesBefore = histogram(jcmd, server);
            List<LoadProcess> crowds = new ArrayList<>();
            boolean measured = false;
            try {
                long start = System.nanoTime();
                for (int i = 0, from = 0; from < plan.clients(); i++, from += plan.perProcess()) {
                    int count = Math.min(plan.perProcess(), plan.clients() - from);
                    crowds.add(new LoadProcess(new ProcessBuilder(
                                    java.toString(),
                                    "-Xmx2g",
                                    "-cp",
                                    System.getProperty("java.class.path"),
                                    Crowd.class.getName(),
                                    Integer.toString(server.port),
                                    "127.0.0." + (firstAddress + i),
                                    Integer.toString(count),
                                    "p" + i + "c")
                            .redirectError(ProcessBuilder.Redirect.INHERIT)
                            .start()));
                }
                for (LoadProcess crowd : crowds) {
                    crowd.expect("connected");
                }
                double connectSeconds = (System.nanoTime() - start) / 1e9;
                System.out.printf(
                        Locale.ROOT,
                        "  connected in %.1f s; holding them %.0f s (two ping periods)%n",
                        connectSeconds,
                        2.0 * plan.pingPeriodSeconds());
                Thread.sleep(2000L * plan.pingPeriodSeconds() + 1000); // the window itself: two rounds of pings
                int open = 0;
                for (LoadProcess crowd : crowds) {
                    open += Integer.parseInt(crowd.ask("open", "open"));
                }
                double drops = server.metric("chat_heartbeat_timeouts_total");
                long said = System.nanoTime();
                crowds.getFirst().ask("say", null);
                for (LoadProcess crowd : crowds) {
                    crowd.ask("await", null);
                }
                int heard = 0;
                for (LoadProcess crowd : crowds) {
                    heard += Integer.parseInt(crowd.expect("heard"));
                }
                double broadcastMillis = (System.nanoTime() - said) / 1e6;
                server.gc(jcmd);
                server.gc(jcmd);
                long rss = server.rssBytes();
                double heap = server.metric(Benchmark.HEAP_USED);
                Row row = new Row(
                        model,
                        plan.clients(),
                        connectSeconds,
                        open,
                        drops,
                        broadcastMillis,
                        heard,
                        (rss - rssBefore) / 1024.0 / plan.clients(),
                        (heap - heapBefore) / 1024.0 / plan.clients(),
                        rss / 1048576.0,
                        growth(classesBefore, histogram(jcmd, server), plan.clients()));
                System.out.printf(
                        Locale.ROOT,
                        "  %,d still open, %.0f heartbeat drops; the line reached %,d in %.0f ms;"
                                + " %.1f KiB RSS and %.1f KiB heap per connection%n",
                        open,
                        drops,
                        heard,
                        broadcastMillis,
                        row.rssKiB(),
                        row.heapKiB());
                measured = true;
                return row;
            } finally {
                for (LoadProcess crowd : crowds) {
                    crowd.commands.close(); // its input ends: it exits
                    if (!measured) {
                        crowd.process.destroyForcibly(); // a failed run: the others may still be connecting
                    }
                }
                for (LoadProcess crowd : crowds) {
                    if (!crowd.process.waitFor(60, TimeUnit.SECONDS)) {
                        crowd.process.destroyForcibly().waitFor();
                    }
                }
            }
        }
    }

    /** A row of {@code jcmd PID GC.class_histogram}: "   1:   INSTANCES   BYTES  CLASS (MODULE)". */
    private static final Pattern HISTOGRAM_ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");
    /** Classes shown in the breakdown of a connection's heap. */
    private static final int CLASSES_SHOWN = 12;

    /** The live heap by class, from {@code jcmd GC.class_histogram} (which collects first): {instances, bytes}. */
    private static Map<String, long[]> histogram(Path jcmd, ServerProcess server)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(server.pid()), "GC.class_histogram")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes()); // ends when jcmd does
        Map<String, long[]> classes = new HashMap<>();
        for (String line : out.split("\n")) {
            Matcher m = HISTOGRAM_ROW.matcher(line);
            if (m.find()) {
                classes.put(m.group(3), new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
            }
        }
        if (p.waitFor() != 0 || classes.isEmpty()) {
            throw new IOException("jcmd GC.class_histogram gave no histogram (exit " + p.exitValue() + "): " + out);
        }
        return classes;
    }

    /**
     * The classes whose live bytes grew most from {@code before} to {@code after}, per client: a table's rows. Not the
     * JVM's filler objects ({@code jdk.internal.vm.FillerElement} and its arrays): they mark dead space (which the
     * serial collector's full GC may leave in place rather than move what follows it), not anything a connection holds.
     */
    private static List<String> growth(Map<String, long[]> before, Map<String, long[]> after, int clients) {
        long[] none = {0, 0};
        return after.entrySet().stream()
                .filter(e -> !e.getKey().contains("jdk.internal.vm.Filler"))
                .map(e -> Map.entry(e.getKey(), new long[] {
                    e.getValue()[0] - before.getOrDefault(e.getKey(), none)[0],
                    e.getValue()[1] - before.getOrDefault(e.getKey(), none)[1]
                }))
                .sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]))
                .limit(CLASSES_SHOWN)
                .map(e -> String.format(
                        Locale.ROOT,
                        "| `%s` | %,.0f | %.1f |",
                        e.getKey(),
                        (double) e.getValue()[1] / clients,
                        (double) e.getValue()[0] / clients))
                .toList();
    }

    /** A {@link Crowd} process and the two ends of its line protocol. */
    private static final class LoadProcess {
        final Process process;
        final PrintWriter commands;
        final BufferedReader replies;

        LoadProcess(Process process) {
            this.process = process;
            this.commands = new PrintWriter(process.getOutputStream(), true);
            this.replies = new BufferedReader(new InputStreamReader(process.getInputStream()));
        }

        /** Sends a command; with {@code answer}, returns what follows that word on its reply. */
        String ask(String command, String answer) throws IOException {
            commands.println(command);
            return answer == null ? null : expect(answer);
        }

        /** Reads up to a line that starts with {@code word}; returns the rest of that line. */
        String expect(String word) throws IOException {
            for (String line; (line = replies.readLine()) != null; ) {
                if (line.startsWith("failed")) {
                    throw new IllegalStateException("a load process " + line);
                }
                if (line.startsWith(word)) {
                    return line.substring(word.length()).trim();
                }
            }
            throw new IllegalStateException("a load process ended before it said '" + word + "'");
        }
    }
}
