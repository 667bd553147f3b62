package fivechats.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The five models (and a Node ws peer) side by side, measured in one run by one load generator on 127.0.0.1.
 *
 * <pre>
 *   ./mvnw -q -pl tests/bench -am verify -DskipTests -Dbench.mode=full    the full benchmark: tutorial/benchmark.{md,svg,json}
 *   ./mvnw -q -pl tests/bench -am verify                      the smoke mode (CI): tiny counts, output in target/
 * </pre>
 * Every target runs in its own process, one at a time; each scenario runs {@link Plan#runs} times and the report
 * quotes medians. Other CPU load on the machine is watched during every scenario and reported.
 */
public final class Benchmark {
    enum Scenario {
        CLOSED_SMALL,
        CLOSED_BIG,
        STEADY,
        SLOW_CLIENT,
        IDLE,
        CAPACITY_SMALL,
        CAPACITY
    }

    static final Set<Scenario> FAN_OUT = EnumSet.of(Scenario.CLOSED_SMALL, Scenario.CLOSED_BIG, Scenario.STEADY);
    /** The heap in use, as the Prometheus client's JVM instrumentation names it on /metrics. */
    static final String HEAP_USED = "jvm_memory_used_bytes{area=\"heap\"}";

    /** Counts and durations for one mode. */
    record Plan(
            String mode,
            int runs,
            int smallN,
            int bigN,
            int senders,
            int lines,
            int bigLines,
            double steadyRate,
            int steadyLines,
            double idleSeconds,
            int capacityN) {}

    /**
     * The planned counts, with two departures so that three runs fit in 15 minutes on two cores: at N = 1,000 each
     * closed-loop sender sends 100 lines, not 200 (a million deliveries a run, still five seconds or more for the
     * slowest server; 200 took the run to 17 minutes), and steady senders send 15 lines, not 200 (at 5 lines/s, 200
     * would take 40 s a run).
     */
    static final Plan FULL = new Plan("full", 3, 100, 1000, 10, 200, 100, 5, 15, 2, 10_000);

    static final Plan SMOKE = new Plan("smoke", 1, 10, 20, 2, 20, 20, 20, 10, 0.5, 200);

    /**
     * One server under test: how to start it, which scenarios it runs, whether it speaks raw text lines (gorilla's
     * examples/chat) rather than this repository's protocol, and what its clients add to the query when they connect.
     */
    record Target(
            String name,
            List<String> command,
            boolean java,
            Set<Scenario> scenarios,
            String why,
            boolean lines,
            String query) {
        Target(String name, List<String> command, boolean java, Set<Scenario> scenarios, String why) {
            this(name, command, java, scenarios, why, false, "");
        }
    }

    /** Names a target whose clients connect with {@code &coalesce=on} (its query): several events to a frame. */
    static final String COALESCED = ", coalesce=on";

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[1]).toAbsolutePath().normalize();
        Path java = Path.of(ProcessHandle.current().info().command().orElse("java"));
        if (args[0].equals("report")) { // rewrite benchmark.md and .svg from the committed benchmark.json, no measuring
            Path out = root.resolve("tutorial");
            var raw = json().readTree(out.resolve("benchmark.json").toFile());
            List<Result> results = List.of(json().treeToValue(raw.get("results"), Result[].class));
            Report.write(
                    out,
                    FULL,
                    targets(root, java, FULL),
                    results,
                    raw.get("machine").get("minutes").asDouble(),
                    raw.get("machine"));
            System.out.println("rewrote " + out.resolve("benchmark.md") + " from benchmark.json");
            return;
        }
        if (args[0].equals("cluster")) { // the cluster scenario alone (chapter 12), its figures into tutorial/
            try (Load load = new Load()) {
                ClusterBench.run(root, java, ClusterBench.FULL, load, root.resolve("tutorial"));
            }
            return;
        }
        if (args[0].equals("capacity")) { // -Dbench.clients=N idle clients at once on each model (chapter 10)
            Pattern only = Pattern.compile(args.length > 2 ? args[2] : ".");
            List<String> models =
                    MODELS.stream().filter(m -> only.matcher(m).find()).toList();
            Capacity.Plan plan;
            try {
                plan = Capacity.plan(Integer.getInteger("bench.clients", 100_000), 10, 9); // pings at the default 9/10
            } catch (IllegalArgumentException e) { // more clients than this machine lets one process hold
                System.err.println(e.getMessage());
                System.exit(2);
                return;
            }
            // Only a run of every model at the size chapter 10 quotes replaces its table; anything less stays in
            // target/.
            boolean complete = models.size() == MODELS.size() && plan.clients() == CAPACITY_QUOTED;
            Capacity.run(root, java, plan, models, root.resolve(complete ? "tutorial" : "tests/bench/target"));
            return;
        }
        Plan plan = args[0].equals("full") ? FULL : SMOKE;
        Path jcmd = java.resolveSibling("jcmd");
        Pattern only = Pattern.compile(args.length > 2 ? args[2] : ".");
        List<Target> all = targets(root, java, plan);
        List<Target> targets = all.stream()
                .filter(t -> only.matcher(t.name()).find())
                .filter(t -> !t.name().equals(GO_PEER) || buildGo(root, "peer-go", "hub.go", goBinary(root)))
                .filter(t ->
                        !t.name().equals(GO_CHAT) || buildGo(root, "peer-gorilla-chat", "chat.go", goChatBinary(root)))
                .toList();
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("no target's name matches " + only);
        }
        // Only a full run of every target replaces the tutorial's figures; anything less stays in target/.
        boolean complete = plan == FULL && targets.size() == all.size();
        Path out = complete ? root.resolve("tutorial") : root.resolve("tests/bench/target");
        Files.createDirectories(out);
        List<Result> results = new ArrayList<>();
        long started = System.nanoTime();
        System.out.printf(
                "benchmark (%s): %d targets, %d run(s) each, %d cores, JDK %s%n",
                plan.mode(),
                targets.size(),
                plan.runs(),
                Runtime.getRuntime().availableProcessors(),
                Runtime.version());
        try (Load load = new Load()) {
            for (int run = 1; run <= plan.runs(); run++) {
                for (Target target : targets) {
                    results.addAll(measure(target, run, plan, load, jcmd));
                }
            }
            if (plan == SMOKE || complete) {
                ClusterBench.run(root, java, plan == SMOKE ? ClusterBench.SMOKE : ClusterBench.FULL, load, out);
            }
            if (plan == SMOKE) { // the capacity run's machinery, small: two load processes on two source addresses
                Capacity.checkSmoke(Capacity.run(root, java, Capacity.SMOKE, List.of("channel-hub"), out));
            }
        }
        double minutes = (System.nanoTime() - started) / 60e9;
        Report.write(out, plan, targets, results, minutes, null);
        System.out.printf("benchmark done in %.1f min: %s%n", minutes, out.resolve("benchmark.md"));
        if (plan == SMOKE) {
            Report.checkSmoke(results, targets);
        }
    }

    /** The models, in the tutorial's order: the capacity run measures each that a pattern names. */
    static final List<String> MODELS =
            List.of("polling-loop", "thread-per-connection", "worker-pool", "channel-hub", "mutex-map");
    /** The size of the capacity run chapter 10 quotes: the most this machine's open-files limit (20,000) allows. */
    static final int CAPACITY_QUOTED = 19_800;

    static List<Target> targets(Path root, Path java, Plan plan) {
        Set<Scenario> all = EnumSet.allOf(Scenario.class);
        List<Target> targets = new ArrayList<>();
        targets.add(jar(root, java, "polling-loop", "polling-loop", all, ""));
        targets.add(jar(
                root,
                java,
                "polling-loop --idle spin",
                "polling-loop",
                EnumSet.of(Scenario.IDLE),
                "idle cost only: the spinning loop"));
        targets.add(jar(root, java, "thread-per-connection", "thread-per-connection", all, ""));
        targets.add(jar(root, java, "worker-pool", "worker-pool", all, ""));
        targets.add(jar(
                root,
                java,
                "worker-pool --variant locked",
                "worker-pool",
                FAN_OUT,
                "the locked form loses nothing but reorders: fan-out only, to show it"));
        targets.add(jar(root, java, "channel-hub", "channel-hub", all, ""));
        targets.add(jar(root, java, "mutex-map", "mutex-map", all, ""));
        for (String model : List.of("worker-pool", "channel-hub")) { // the fastest two, with the protocol's option
            targets.add(new Target(
                    model + COALESCED,
                    modelCommand(root, java, model),
                    true,
                    FAN_OUT,
                    "the same model; its clients connect with coalesce=on, so a send of several queued lines may go"
                            + " out as one frame (chapter 2), as gorilla's examples/chat writes them",
                    false,
                    "&coalesce=on"));
        }
        String yours = System.getProperty("bench.student", "");
        if (!yours.isBlank()) {
            targets.add(student(root, java, yours));
        }
        Path peer = root.resolve("tests/bench/peer");
        targets.add(new Target(
                "node ws (peer)",
                List.of("node", peer.resolve("peer.js").toString(), "--port", "0"),
                false,
                all,
                "a plain Node ws broadcast server, the outside reference"));
        targets.add(new Target(
                GO_PEER,
                List.of(goBinary(root).toString(), "--port", "0"),
                false,
                all,
                "gorilla/websocket's chat hub in Go, speaking this protocol (one frame per line)"));
        targets.add(new Target(
                GO_CHAT,
                List.of(goChatBinary(root).toString(), "--port", "0"),
                false,
                all,
                "gorilla/websocket's own examples/chat: raw lines, queued lines coalesced into one frame",
                true,
                ""));
        return targets;
    }

    static final String GO_PEER = "go gorilla (peer)";
    static final String GO_CHAT = "go gorilla chat (canonical)";

    private static Path goBinary(Path root) {
        return root.resolve("tests/bench/peer-go/target/hub-go");
    }

    private static Path goChatBinary(Path root) {
        return root.resolve("tests/bench/peer-gorilla-chat/target/chat-go");
    }

    /**
     * Builds a Go peer ({@code tests/bench/FOLDER/FILE}) with Debian's Go and gorilla/websocket in GOPATH mode (no
     * module proxy is needed), only when it is to be measured. False, with a notice, on a machine without them; CI
     * installs both, and there a missing Go peer fails the benchmark.
     */
    private static boolean buildGo(Path root, String folder, String file, Path binary) {
        String missing;
        try {
            ProcessBuilder build = new ProcessBuilder("go", "build", "-o", binary.toString(), file)
                    .directory(root.resolve("tests/bench/" + folder).toFile())
                    .redirectErrorStream(true);
            build.environment().put("GO111MODULE", "off");
            build.environment().put("GOPATH", "/usr/share/gocode");
            Process go = build.start();
            String output = new String(go.getInputStream().readAllBytes());
            if (go.waitFor() == 0) {
                return true;
            }
            missing = "go build failed: " + output.strip();
        } catch (IOException | InterruptedException e) {
            missing = "no go command (" + e.getMessage() + ")";
        }
        String why = "the Go peer in tests/bench/" + folder + " is not measured: " + missing + ". Install it with"
                + " apt-get install golang-go golang-github-gorilla-websocket-dev";
        if (System.getenv("CI") != null) {
            throw new IllegalStateException(why);
        }
        System.out.println(why);
        return false;
    }

    /** The models' JVM settings, the same file {@code ./model.sh} and {@code exec:exec@run} pass: a java argument file. */
    static String serverJvm(Path root) {
        return "@" + root.resolve("models/server.jvm");
    }

    /** A model's jar as {@code ./model.sh} starts it, on a free port; {@code jvmFlags} come after the settings file's. */
    static List<String> modelCommand(Path root, Path java, String module, String... jvmFlags) {
        List<String> command = new ArrayList<>(List.of(java.toString(), serverJvm(root)));
        command.addAll(List.of(jvmFlags));
        command.addAll(List.of(
                "-jar",
                root.resolve("models/" + module + "/target/" + module + ".jar").toString(),
                "--port",
                "0"));
        return command;
    }

    static Target jar(Path root, Path java, String name, String module, Set<Scenario> scenarios, String why) {
        List<String> command = modelCommand(root, java, module);
        String[] words = name.split(" ");
        command.addAll(List.of(words).subList(1, words.length)); // flags after the module name
        return new Target(name, command, true, scenarios, why);
    }

    /**
     * With {@code -Dbench.jfr=DIR}, each Java server records every fan-out scenario with JFR (the JDK's own profiler,
     * its "profile" settings, sampling every millisecond) into DIR/TARGET_SCENARIO.jfr, overwritten by each run, so the profile holds that
     * scenario and nothing else (not the connect storms). Read it with {@code jfr view hot-methods FILE}.
     */
    private static Optional<Path> flightRecording(Target target, Scenario scenario) throws IOException {
        String dir = System.getProperty("bench.jfr", "");
        if (dir.isBlank() || !target.java() || scenario.compareTo(Scenario.SLOW_CLIENT) > 0) {
            return Optional.empty();
        }
        Path folder = Files.createDirectories(Path.of(dir).toAbsolutePath());
        return Optional.of(folder.resolve(target.name().replaceAll("[^A-Za-z0-9-]+", "_") + "_" + scenario + ".jfr"));
    }

    /**
     * A student's model, from {@code -Dbench.student=MODULE-FOLDER:MAIN-CLASS} (for example
     * {@code tests/assignments/my-model:fivechats.mymodel.Main}): its compiled classes on this benchmark's own class
     * path, which holds the transport and its libraries. Measured as "yours".
     */
    private static Target student(Path root, Path java, String spec) {
        String[] parts = spec.split(":", 2);
        Path classes = root.resolve(parts[0]).resolve("target/classes");
        if (parts.length != 2 || !Files.isDirectory(classes)) {
            throw new IllegalArgumentException("-Dbench.student must be MODULE-FOLDER:MAIN-CLASS, with the module built"
                    + " (./mvnw -q -pl MODULE-FOLDER -am install -DskipTests); no " + classes);
        }
        List<String> command = List.of(
                java.toString(),
                serverJvm(root),
                "-cp",
                classes + File.pathSeparator + System.getProperty("java.class.path"),
                parts[1],
                "--port",
                "0");
        return new Target("yours", command, true, EnumSet.allOf(Scenario.class), "the model in " + parts[0]);
    }

    private static List<Result> measure(Target target, int run, Plan plan, Load load, Path jcmd) throws Exception {
        List<Result> results = new ArrayList<>();
        System.out.printf("run %d, %s%n", run, target.name());
        long began = System.nanoTime();
        try (ServerProcess server =
                ServerProcess.start(target.command(), target.java(), target.lines(), target.query())) {
            // One crowd of bigN clients serves every N = bigN scenario in turn, then sits silent for the idle one:
            // connecting is itself a storm of joins (N squared / 2 frames), so it is done once per target and run.
            List<Load.Client> crowd = null;
            try {
                warmUp(server, plan, load);
                for (Scenario scenario : Scenario.values()) {
                    if (!target.scenarios().contains(scenario) || scenario == Scenario.CAPACITY_SMALL) {
                        continue; // CAPACITY measures CAPACITY_SMALL on its way
                    }
                    if (crowd == null && scenario != Scenario.CLOSED_SMALL && scenario != Scenario.CAPACITY) {
                        crowd = load.connect(server, "c", plan.bigN(), null);
                    }
                    Optional<Path> recording = flightRecording(target, scenario);
                    if (recording.isPresent()) {
                        server.jcmd(
                                jcmd,
                                "JFR.start",
                                "name=scenario",
                                "settings=profile",
                                "jdk.ExecutionSample#period=1ms");
                    }
                    CpuWatch watch = new CpuWatch(server);
                    List<Load.Client> big = crowd;
                    List<Result.Builder> measured = switch (scenario) {
                        case CLOSED_SMALL -> {
                            List<Load.Client> few = load.connect(server, "s", plan.smallN(), null);
                            try {
                                yield List.of(fanOut(
                                        target,
                                        run,
                                        server,
                                        () -> load.fanOut(few, plan.senders(), plan.lines(), 0),
                                        scenario,
                                        plan.smallN()));
                            } finally {
                                Load.closeAll(few);
                                settle(server, big == null ? 0 : big.size());
                            }
                        }
                        case CLOSED_BIG ->
                            List.of(fanOut(
                                    target,
                                    run,
                                    server,
                                    () -> load.fanOut(big, plan.senders(), plan.bigLines(), 0),
                                    scenario,
                                    plan.bigN()));
                        case STEADY ->
                            List.of(fanOut(
                                    target,
                                    run,
                                    server,
                                    () -> load.fanOut(big, plan.senders(), plan.steadyLines(), plan.steadyRate()),
                                    scenario,
                                    plan.bigN()));
                        case SLOW_CLIENT -> {
                            try (Socket stuck = Load.stuckClient(server)) {
                                yield List.of(fanOut(
                                        target,
                                        run,
                                        server,
                                        () -> load.fanOut(big, plan.senders(), plan.steadyLines(), plan.steadyRate()),
                                        scenario,
                                        plan.bigN()));
                            }
                        }
                        case IDLE -> List.of(idle(target, run, plan, server));
                        case CAPACITY_SMALL -> throw new AssertionError("measured by CAPACITY");
                        case CAPACITY -> {
                            if (big != null) {
                                Load.closeAll(big);
                                crowd = null;
                                settle(server, 0);
                            }
                            yield capacity(target, run, plan, load, server, jcmd); // CAPACITY_SMALL, then CAPACITY
                        }
                    };
                    double other = watch.otherCpuPercent();
                    if (recording.isPresent()) {
                        server.jcmd(jcmd, "JFR.stop", "name=scenario", "filename=" + recording.get());
                    }
                    for (Result.Builder r : measured) {
                        results.add(r.otherCpu(other).build());
                        System.out.println("  " + describe(results.getLast()));
                    }
                }
            } finally {
                if (crowd != null) {
                    Load.closeAll(crowd);
                }
            }
        }
        System.out.printf(Locale.ROOT, "  (%.0f s)%n", (System.nanoTime() - began) / 1e9);
        return results;
    }

    /**
     * Every server, whatever its language, first serves one unmeasured closed-loop round (the N = smallN scenario),
     * as any benchmark of a JIT-compiled runtime must: a JVM's first seconds compile the hot paths (C2 threads take
     * most of a core), and V8 does the same for Node. Without it, the first scenario measures the compiler.
     */
    private static void warmUp(ServerProcess server, Plan plan, Load load) throws Exception {
        List<Load.Client> few = load.connect(server, "w", plan.smallN(), null);
        try {
            Load.FanOut f = load.fanOut(few, plan.senders(), plan.lines(), 0);
            System.out.printf(
                    Locale.ROOT,
                    "  warm-up        n=%-5d %,10.0f deliveries/s (not counted)%n",
                    plan.smallN(),
                    f.deliveriesPerSecond());
        } finally {
            Load.closeAll(few);
            settle(server, 0);
        }
    }

    /** A fan-out scenario, with the server's CPU time per delivery and its memory (RSS, and heap for Java) at the end. */
    private static Result.Builder fanOut(
            Target target, int run, ServerProcess server, FanOutRun scenarioRun, Scenario scenario, int n)
            throws Exception {
        ServerProcess.CpuTime before = server.cpuTime();
        long loadBefore = ServerProcess.cpuTime("self").total();
        long switches = server.contextSwitches();
        long wall = System.nanoTime();
        Load.FanOut f = scenarioRun.run();
        wall = System.nanoTime() - wall;
        ServerProcess.CpuTime after = server.cpuTime();
        long loadUsed = ServerProcess.cpuTime("self").total() - loadBefore;
        double delivered = Math.max(1, f.delivered());
        long used = after.total() - before.total();
        double micros = used / 1000.0 / delivered;
        double kernel = used == 0 ? -1 : 100.0 * (after.system() - before.system()) / used;
        double switched = (server.contextSwitches() - switches) / delivered;
        double heap = server.metric(HEAP_USED);
        return Result.of(target.name(), scenario.name(), run, n)
                .delivery(f)
                .cost(micros, kernel, switched)
                .load(loadUsed / 1000.0 / delivered, 100.0 * loadUsed / wall)
                .memory(server.rssBytes() / 1048576.0, heap < 0 ? Result.NOT_MEASURED : heap / 1048576.0);
    }

    private interface FanOutRun {
        Load.FanOut run() throws Exception;
    }

    /** The crowd is connected and nobody talks: how much CPU does the server burn doing nothing? */
    private static Result.Builder idle(Target target, int run, Plan plan, ServerProcess server) throws Exception {
        Thread.sleep(500); // let the last scenario's writes drain before the window opens
        long cpu = server.cpuNanos();
        long wall = System.nanoTime();
        Thread.sleep((long) (plan.idleSeconds() * 1000)); // the measurement window: nobody talks
        double percent = 100.0 * (server.cpuNanos() - cpu) / (System.nanoTime() - wall);
        return Result.of(target.name(), Scenario.IDLE.name(), run, plan.bigN())
                .idleCpu(percent)
                .memory(server.rssBytes() / 1048576.0, Result.NOT_MEASURED);
    }

    /**
     * Memory per idle connection after a forced GC, at bigN connections and then at capacityN (the same clients plus
     * the rest): RSS growth and heap growth over the empty server, divided by the connections.
     */
    private static List<Result.Builder> capacity(
            Target target, int run, Plan plan, Load load, ServerProcess server, Path jcmd) throws Exception {
        server.gc(jcmd);
        long rssBefore = server.rssBytes();
        double heapBefore = server.metric(HEAP_USED);
        long start = System.nanoTime();
        List<Load.Client> clients = new ArrayList<>(load.idle(server, "k", plan.bigN()));
        List<Result.Builder> results = new ArrayList<>();
        try {
            results.add(memory(
                    target,
                    run,
                    Scenario.CAPACITY_SMALL,
                    plan.bigN(),
                    server,
                    jcmd,
                    rssBefore,
                    heapBefore,
                    (System.nanoTime() - start) / 1e9));
            clients.addAll(load.idle(server, "m", plan.capacityN() - plan.bigN()));
            results.add(memory(
                    target,
                    run,
                    Scenario.CAPACITY,
                    plan.capacityN(),
                    server,
                    jcmd,
                    rssBefore,
                    heapBefore,
                    (System.nanoTime() - start) / 1e9));
            return results;
        } finally {
            Load.closeAll(clients);
            settle(server, 0);
        }
    }

    private static Result.Builder memory(
            Target target,
            int run,
            Scenario scenario,
            int n,
            ServerProcess server,
            Path jcmd,
            long rssBefore,
            double heapBefore,
            double connectSeconds)
            throws Exception {
        server.gc(jcmd);
        long rss = server.rssBytes();
        double heap = server.metric(HEAP_USED);
        double perHeap = heap < 0 ? Result.NOT_MEASURED : (heap - heapBefore) / 1024.0 / n;
        return Result.of(target.name(), scenario.name(), run, n)
                .perConnection(
                        (rss - rssBefore) / 1024.0 / n, perHeap, server.metric("chat_model_threads"), connectSeconds)
                .memory(rss / 1048576.0, heap < 0 ? Result.NOT_MEASURED : heap / 1048576.0);
    }

    /** Waits until the server holds only {@code remaining} connections (Java models report it; Node gets a second). */
    private static void settle(ServerProcess server, int remaining) throws Exception {
        for (int i = 0; i < 100 && server.java && server.metric("chat_connections") > remaining; i++) {
            Thread.sleep(100);
        }
        Thread.sleep(server.java ? 200 : 1000);
    }

    static String describe(Result r) {
        return switch (Scenario.valueOf(r.scenario())) {
            case CLOSED_SMALL, CLOSED_BIG, STEADY, SLOW_CLIENT ->
                String.format(
                        Locale.ROOT,
                        "%-14s n=%-5d %,10.0f deliveries/s  %5.2f us CPU each (%.0f%% kernel), %.2f switches  p50"
                                + " %6.1f ms  p99 %7.1f ms  max %7.1f ms  lost %d  out of order %d  RSS %.0f MiB  (load"
                                + " generator %.2f us CPU each, %.0f%% of a core; other CPU %.0f%%)",
                        r.scenario(),
                        r.clients(),
                        r.deliveriesPerSecond(),
                        r.cpuMicrosPerDelivery(),
                        r.kernelPercent(),
                        r.switchesPerDelivery(),
                        r.p50Millis(),
                        r.p99Millis(),
                        r.maxMillis(),
                        r.lost(),
                        r.outOfOrder(),
                        r.rssMiB(),
                        r.loadMicrosPerDelivery(),
                        r.loadCpuPercent(),
                        r.otherCpuPercent());
            case IDLE ->
                String.format(
                        Locale.ROOT,
                        "%-14s n=%-5d server CPU %.1f%% of a core while silent (other CPU %.0f%%)",
                        r.scenario(),
                        r.clients(),
                        r.serverCpuPercent(),
                        r.otherCpuPercent());
            case CAPACITY_SMALL, CAPACITY ->
                String.format(
                        Locale.ROOT,
                        "%-14s n=%-5d RSS %.1f KiB and heap %.1f KiB per connection (RSS %.0f MiB in all), %.0f model"
                                + " threads, connected in %.1f s",
                        r.scenario(),
                        r.clients(),
                        r.rssPerConnectionKiB(),
                        r.heapPerConnectionKiB(),
                        r.rssMiB(),
                        r.threads(),
                        r.connectSeconds());
        };
    }

    static ObjectMapper json() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    static Map<String, Object> machine(Plan plan, double minutes) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("date", LocalDate.now().toString());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put(
                "cpu",
                Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                        .filter(l -> l.startsWith("model name"))
                        .map(l -> l.substring(l.indexOf(':') + 1).trim())
                        .findFirst()
                        .orElse("unknown"));
        m.put("jdk", Runtime.version().toString());
        m.put("mode", plan.mode());
        m.put("runs", plan.runs());
        m.put("minutes", Math.round(minutes * 10) / 10.0);
        m.put(
                "command",
                plan.mode().equals("full")
                        ? "./mvnw -q -pl tests/bench -am verify -DskipTests -Dbench.mode=full"
                        : "./mvnw -q -pl tests/bench -am verify");
        return m;
    }
}
