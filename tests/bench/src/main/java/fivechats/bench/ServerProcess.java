package fivechats.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A chat server under test, in its own process on 127.0.0.1: a model's jar or the Node peer. Started on port 0;
 * the port is read from its {@code listening on} line. Measured from outside through /proc (CPU, memory) and,
 * for the Java models, /metrics (heap, threads).
 */
final class ServerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)/");
    /** Linux's clock ticks per second for /proc/PID/stat times (USER_HZ, 100 on every common kernel). */
    static final long TICKS_PER_SECOND = 100;

    private final Process process;
    private final Path output;
    final int port;
    final boolean java;
    /** True for a server of raw text lines (gorilla's examples/chat), read as {@link Load} says. */
    final boolean lines;
    /** What clients add to the query when they connect, such as {@code &coalesce=on}; empty for most. */
    private final String query;

    private ServerProcess(Process process, Path output, int port, boolean java, boolean lines, String query) {
        this.process = process;
        this.output = output;
        this.port = port;
        this.java = java;
        this.lines = lines;
        this.query = query;
    }

    static ServerProcess start(List<String> command, boolean java) throws IOException, InterruptedException {
        return start(command, java, false, "");
    }

    static ServerProcess start(List<String> command, boolean java, boolean lines, String query)
            throws IOException, InterruptedException {
        Path output = Files.createTempFile("chat-server", ".out");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Matcher m = LISTENING.matcher(Files.readString(output));
            if (m.find()) {
                return new ServerProcess(process, output, Integer.parseInt(m.group(1)), java, lines, query);
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(50); // polling a child's log for its first line: nothing to wait on but the file
        }
        process.destroyForcibly();
        throw new IOException("server did not start: " + command + "\n" + Files.readString(output));
    }

    /**
     * Benchmark clients connect with presence=off: they measure chat lines, and announcing every join to everyone
     * would make connecting N clients a storm of N squared / 2 frames (50 million at 10,000) that dwarfs the lines.
     */
    URI chatUri(String name) {
        return URI.create("ws://127.0.0.1:" + port + "/chat?name=" + name + "&presence=off" + query);
    }

    long pid() {
        return process.pid();
    }

    /** CPU time a process has used so far, in nanoseconds: user and system together, and system alone. */
    record CpuTime(long total, long system) {}

    /** Reads a process's CPU time from /proc/PID/stat (utime and stime, fields 14 and 15); PID may be "self". */
    static CpuTime cpuTime(String pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long user = Long.parseLong(f[11]);
        long system = Long.parseLong(f[12]);
        return new CpuTime(
                (user + system) * 1_000_000_000L / TICKS_PER_SECOND, system * 1_000_000_000L / TICKS_PER_SECOND);
    }

    /** The server's CPU time so far; its system part is the kernel's: system calls, and on loopback the receiver's TCP too. */
    CpuTime cpuTime() throws IOException {
        return cpuTime(Long.toString(pid()));
    }

    /** CPU time the server process has used so far (user + system), in nanoseconds. */
    long cpuNanos() throws IOException {
        return cpuTime().total();
    }

    /**
     * Context switches of the server's threads so far (voluntary and not, summed over /proc/PID/task): each time one
     * of its OS threads left a core, mostly to sleep until woken. A thread that ended is no longer counted, so read it
     * around a scenario in which threads live on (carriers, workers, Go's Ms).
     */
    long contextSwitches() throws IOException {
        long switches = 0;
        try (var tasks = Files.list(Path.of("/proc/" + pid() + "/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")
                                || line.startsWith("nonvoluntary_ctxt_switches:")) {
                            switches += Long.parseLong(line.replaceAll("\\D", ""));
                        }
                    }
                } catch (IOException threadEnded) {
                    // the thread ended while we listed them
                }
            }
        }
        return switches;
    }

    /** Resident memory of the server process, in bytes. */
    long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return -1;
    }

    /** One value from a Java model's /metrics, or -1 (the Node peer has none). */
    double metric(String name) throws IOException, InterruptedException {
        if (!java) {
            return -1;
        }
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        for (String line : response.body().split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        return -1;
    }

    /** Asks the JVM for a full GC (jcmd), so heap figures count live objects, not garbage. */
    void gc(Path jcmd) throws IOException, InterruptedException {
        jcmd(jcmd, "GC.run");
    }

    /** Runs a diagnostic command in a Java server (GC.run, JFR.start, JFR.stop); nothing for the peers. */
    void jcmd(Path jcmd, String... command) throws IOException, InterruptedException {
        if (java) {
            List<String> line = new java.util.ArrayList<>(List.of(jcmd.toString(), Long.toString(pid())));
            line.addAll(List.of(command));
            new ProcessBuilder(line)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start()
                    .waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM: a graceful stop
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        try {
            Files.deleteIfExists(output);
        } catch (IOException ignored) {
            // a temp file
        }
    }
}
