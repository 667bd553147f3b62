package fivechats.bench;

import fivechats.bench.Benchmark.Plan;
import fivechats.bench.Benchmark.Scenario;
import fivechats.bench.Benchmark.Target;
import java.awt.Color;
import java.awt.Rectangle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.svg.SVGGraphics2D;

/** Turns the results into benchmark.json (raw), benchmark.md (medians, checks) and benchmark.svg (a chart). */
final class Report {
    private static final String PEER = "node ws (peer)";

    private Report() {}

    /** @param recorded the machine as benchmark.json recorded it, when only rewriting the report; null after a run */
    static void write(
            Path out,
            Plan plan,
            List<Target> targets,
            List<Result> results,
            double minutes,
            com.fasterxml.jackson.databind.JsonNode recorded)
            throws IOException {
        Map<String, Object> machine = recorded == null
                ? Benchmark.machine(plan, minutes)
                : Benchmark.json()
                        .convertValue(
                                recorded,
                                new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Object>>() {});
        if (recorded == null) {
            Map<String, Object> raw = new LinkedHashMap<>();
            raw.put("machine", machine);
            raw.put("results", results);
            Files.writeString(out.resolve("benchmark.json"), Benchmark.json().writeValueAsString(raw));
        }
        chart(out.resolve("benchmark.svg"), plan, targets, results);
        Files.writeString(out.resolve("benchmark.md"), markdown(plan, targets, results, machine));
    }

    /** The median of one field over a target's runs of a scenario; empty when it was not measured. */
    static Optional<Double> median(
            List<Result> results, String target, Scenario scenario, ToDoubleFunction<Result> field) {
        List<Double> values = new ArrayList<>();
        for (Result r : results) {
            if (r.target().equals(target) && r.scenario().equals(scenario.name())) {
                values.add(field.applyAsDouble(r));
            }
        }
        return values.isEmpty() ? Optional.empty() : Optional.of(median(values));
    }

    /** The median of some values (the mean of the middle two when there is an even number of them); at least one. */
    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Lines a target lost over all its runs and scenarios. */
    private static long lost(List<Result> results, Target t) {
        return results.stream()
                .filter(r -> r.target().equals(t.name()))
                .mapToLong(r -> Math.max(0, r.lost()))
                .sum();
    }

    /** Lines a target delivered out of order over all its runs and scenarios. */
    private static long outOfOrder(List<Result> results, Target t) {
        return results.stream()
                .filter(r -> r.target().equals(t.name()))
                .mapToLong(Result::outOfOrder)
                .sum();
    }

    private static String ratio(Optional<Double> value, Optional<Double> reference) {
        return value.isPresent() && reference.isPresent()
                ? String.format(Locale.ROOT, "%.2fx", value.get() / reference.get())
                : "";
    }

    private static String perConnection(List<Result> results, Target t, Scenario scenario) {
        String rss = f(median(results, t.name(), scenario, Result::rssPerConnectionKiB), "%.1f KiB");
        String heap = f(
                median(results, t.name(), scenario, Result::heapPerConnectionKiB)
                        .filter(v -> v >= 0),
                "%.1f KiB");
        return rss.isEmpty() ? "" : heap.isEmpty() ? rss : rss + " / " + heap;
    }

    /** The mark of a run whose load generator used {@link #LOAD_BOUND_PERCENT} of a core or more. */
    static final String LOAD_BOUND = "(load-bound)";

    static final double LOAD_BOUND_PERCENT = 90;

    /**
     * The load generator's CPU per delivery at N = bigN and its share of a core there, marked when it used
     * {@link #LOAD_BOUND_PERCENT} of a core in either closed loop.
     */
    private static String loadCost(List<Result> results, String target) {
        Optional<Double> big = median(results, target, Scenario.CLOSED_BIG, Result::loadCpuPercent);
        String cost = f(
                        median(results, target, Scenario.CLOSED_BIG, Result::loadMicrosPerDelivery)
                                .filter(v -> v > 0),
                        "%.2f us")
                + f(big.filter(v -> v > 0), " (%.0f%% of a core)");
        boolean bound = median(results, target, Scenario.CLOSED_SMALL, Result::loadCpuPercent)
                                .orElse(0.0)
                        >= LOAD_BOUND_PERCENT
                || big.orElse(0.0) >= LOAD_BOUND_PERCENT;
        return bound ? cost + " " + LOAD_BOUND : cost;
    }

    private static String f(Optional<Double> value, String format) {
        return value.map(v -> String.format(Locale.ROOT, format, v)).orElse("");
    }

    static String markdown(Plan plan, List<Target> targets, List<Result> results, Map<String, Object> machine) {
        StringBuilder md = new StringBuilder("# Benchmark: the five models side by side\n\n");
        md.append(String.format(
                Locale.ROOT,
                "Measured %s on %s cores (%s), JDK %s, in %s minutes, %d run(s) per scenario; every figure is the"
                        + " median. Command: `%s`. Raw results: [`benchmark.json`](benchmark.json).%n%n",
                machine.get("date"),
                machine.get("cores"),
                machine.get("cpu"),
                machine.get("jdk"),
                machine.get("minutes"),
                plan.runs(),
                machine.get("command")));
        md.append(String.format(
                Locale.ROOT,
                "Load: %d senders, closed loop (each sender waits for its own line to come back), %d lines each to N ="
                    + " %d clients and %d lines each to N = %d; steady: %d lines each at %.0f lines/s per sender"
                    + " (spread over the second) to %d clients; a slow client (a socket that never reads) among them;"
                    + " %d silent clients for %.1f s; %d and then %d idle connections. Clients connect with"
                    + " presence=off.%n%n",
                plan.senders(),
                plan.lines(),
                plan.smallN(),
                plan.bigLines(),
                plan.bigN(),
                plan.steadyLines(),
                plan.steadyRate(),
                plan.bigN(),
                plan.bigN(),
                plan.idleSeconds(),
                plan.bigN(),
                plan.capacityN()));
        md.append("![deliveries per second](benchmark.svg)\n\n");
        md.append("## Fan-out\n\n");
        md.append(String.format(
                Locale.ROOT,
                "| server | deliveries/s, N = %d | vs Go | deliveries/s, N = %d | vs Go | vs Node "
                        + "| server CPU per delivery, N = %d | load generator CPU per delivery, N = %d | RSS at N = %d "
                        + "| steady p50 / p99 / max (ms) | p99 with a slow client (ms) | lost | out of order |%n"
                        + "|---|---|---|---|---|---|---|---|---|---|---|---|---|%n",
                plan.smallN(),
                plan.bigN(),
                plan.bigN(),
                plan.bigN(),
                plan.bigN()));
        Optional<Double> peerBig = median(results, PEER, Scenario.CLOSED_BIG, Result::deliveriesPerSecond);
        Optional<Double> goSmall =
                median(results, Benchmark.GO_PEER, Scenario.CLOSED_SMALL, Result::deliveriesPerSecond);
        Optional<Double> goBig = median(results, Benchmark.GO_PEER, Scenario.CLOSED_BIG, Result::deliveriesPerSecond);
        for (Target t : targets) {
            if (!t.scenarios().contains(Scenario.CLOSED_BIG)) {
                continue;
            }
            Optional<Double> small = median(results, t.name(), Scenario.CLOSED_SMALL, Result::deliveriesPerSecond);
            Optional<Double> big = median(results, t.name(), Scenario.CLOSED_BIG, Result::deliveriesPerSecond);
            long lost = lost(results, t);
            long order = outOfOrder(results, t);
            md.append("| ")
                    .append(t.name())
                    .append(" | ")
                    .append(f(small, "%,.0f"))
                    .append(" | ")
                    .append(ratio(small, goSmall))
                    .append(" | ")
                    .append(f(big, "%,.0f"))
                    .append(" | ")
                    .append(ratio(big, goBig))
                    .append(" | ")
                    .append(ratio(big, peerBig))
                    .append(" | ")
                    .append(f(
                            median(results, t.name(), Scenario.CLOSED_BIG, Result::cpuMicrosPerDelivery)
                                    .filter(v -> v > 0),
                            "%.2f us"))
                    .append(f(
                            median(results, t.name(), Scenario.CLOSED_BIG, Result::kernelPercent)
                                    .filter(v -> v >= 0),
                            " (%.0f%% kernel)"))
                    .append(" | ")
                    .append(loadCost(results, t.name()))
                    .append(" | ")
                    .append(f(
                            median(results, t.name(), Scenario.CLOSED_BIG, Result::rssMiB)
                                    .filter(v -> v > 0),
                            "%.0f MiB"))
                    .append(" | ")
                    .append(f(median(results, t.name(), Scenario.STEADY, Result::p50Millis), "%.1f"))
                    .append(" / ")
                    .append(f(median(results, t.name(), Scenario.STEADY, Result::p99Millis), "%.1f"))
                    .append(" / ")
                    .append(f(median(results, t.name(), Scenario.STEADY, Result::maxMillis), "%.1f"))
                    .append(" | ")
                    .append(f(median(results, t.name(), Scenario.SLOW_CLIENT, Result::p99Millis), "%.1f"))
                    .append(" | ")
                    .append(lost)
                    .append(" | ")
                    .append(order)
                    .append(" |\n");
        }
        md.append(String.format(
                Locale.ROOT,
                "%nThe load generator (Jetty's client, in the benchmark's own JVM) shares the two cores with the"
                    + " server; its CPU per delivery is read beside the server's. %s marks a closed-loop run in which"
                    + " it used %.0f%% of a core or more (at N = %d or N = %d): there it held a core the server could"
                    + " have used, so the rate is what this machine measured, not all the server can do.%n",
                LOAD_BOUND,
                LOAD_BOUND_PERCENT,
                plan.smallN(),
                plan.bigN()));
        md.append("\n## Idle cost and memory\n\n");
        md.append(String.format(
                Locale.ROOT,
                "Memory is the growth over the empty server after a forced GC (`jcmd GC.run` for Java; "
                        + "Go and Node collect on their own), divided by the idle connections.%n%n"));
        md.append(String.format(
                Locale.ROOT,
                "| server | CPU with %d silent clients | RSS / heap per connection at %,d | RSS / heap per connection"
                        + " at %,d | RSS at %,d | model threads at %,d | time to connect %,d |%n"
                        + "|---|---|---|---|---|---|---|%n",
                plan.bigN(),
                plan.bigN(),
                plan.capacityN(),
                plan.capacityN(),
                plan.capacityN(),
                plan.capacityN()));
        for (Target t : targets) {
            if (!t.scenarios().contains(Scenario.IDLE)) {
                continue;
            }
            md.append("| ")
                    .append(t.name())
                    .append(" | ")
                    .append(f(median(results, t.name(), Scenario.IDLE, Result::serverCpuPercent), "%.1f%% of a core"))
                    .append(" | ")
                    .append(perConnection(results, t, Scenario.CAPACITY_SMALL))
                    .append(" | ")
                    .append(perConnection(results, t, Scenario.CAPACITY))
                    .append(" | ")
                    .append(f(
                            median(results, t.name(), Scenario.CAPACITY, Result::rssMiB)
                                    .filter(v -> v > 0),
                            "%.0f MiB"))
                    .append(" | ")
                    .append(f(
                            median(results, t.name(), Scenario.CAPACITY, Result::threads)
                                    .filter(v -> v >= 0),
                            "%,.0f"))
                    .append(" | ")
                    .append(f(median(results, t.name(), Scenario.CAPACITY, Result::connectSeconds), "%.1f s"))
                    .append(" |\n");
        }
        md.append("\n## The targets\n\n");
        targets(md, targets, results, plan);
        double other =
                results.stream().mapToDouble(Result::otherCpuPercent).max().orElse(0);
        double otherMedian = results.stream()
                .mapToDouble(Result::otherCpuPercent)
                .sorted()
                .skip(results.size() / 2)
                .findFirst()
                .orElse(0);
        md.append(String.format(
                Locale.ROOT,
                "%nOther CPU load on the machine during the scenarios (everything but the server and the load"
                        + " generator): median %.0f%% of a core, at most %.0f%%. The capacity scenario's forced GCs run"
                        + " `jcmd`, a JVM of its own, which counts as other load there.%n",
                otherMedian,
                other));
        md.append("\n"
                + "Not measured: the naive variants of thread-per-connection, worker-pool and mutex-map. They lose"
                + " lines under concurrent senders by design ([the verdict matrix](verdicts.md)), so their"
                + " throughput would measure loss. The locked worker pool loses nothing, and is measured to show"
                + " its reordering.\n");
        for (Target t : targets) {
            if (!t.why().isEmpty()) {
                md.append("\n- `").append(t.name()).append("`: ").append(t.why());
            }
        }
        md.append("\n");
        return md.toString();
    }

    /**
     * The fixed models a target speaks of: every Java model measured in full, one event to a frame as the protocol has
     * it; not the locked worker pool (it reorders), nor a model whose clients asked for coalesce=on.
     */
    private static List<Target> fixedModels(List<Target> targets) {
        return targets.stream()
                .filter(t -> t.java()
                        && t.scenarios()
                                .containsAll(List.of(Scenario.CLOSED_SMALL, Scenario.CLOSED_BIG, Scenario.STEADY))
                        && !t.name().contains("locked")
                        && t.query().isEmpty())
                .toList();
    }

    /** The fixed models again, their clients connected with coalesce=on. */
    private static List<Target> coalescedModels(List<Target> targets) {
        return targets.stream().filter(t -> t.java() && !t.query().isEmpty()).toList();
    }

    private static Target fastest(List<Target> among, List<Result> results) {
        return among.stream()
                .max(java.util.Comparator.comparingDouble(
                        t -> median(results, t.name(), Scenario.CLOSED_BIG, Result::deliveriesPerSecond)
                                .orElse(0.0)))
                .orElse(null);
    }

    private static void targets(StringBuilder md, List<Target> targets, List<Result> results, Plan plan) {
        List<Target> fixed = fixedModels(targets);
        Target fastest = fastest(fixed, results);
        String go = Benchmark.GO_PEER;
        if (fastest != null
                && median(results, go, Scenario.CLOSED_BIG, Result::deliveriesPerSecond)
                        .isPresent()) {
            double small = median(results, fastest.name(), Scenario.CLOSED_SMALL, Result::deliveriesPerSecond)
                    .orElse(0.0);
            double big = median(results, fastest.name(), Scenario.CLOSED_BIG, Result::deliveriesPerSecond)
                    .orElse(0.0);
            double goSmall = median(results, go, Scenario.CLOSED_SMALL, Result::deliveriesPerSecond)
                    .orElse(Double.NaN);
            double goBig = median(results, go, Scenario.CLOSED_BIG, Result::deliveriesPerSecond)
                    .orElse(Double.NaN);
            double cpu = median(results, fastest.name(), Scenario.CLOSED_BIG, Result::cpuMicrosPerDelivery)
                    .orElse(Double.NaN);
            double goCpu = median(results, go, Scenario.CLOSED_BIG, Result::cpuMicrosPerDelivery)
                    .orElse(Double.NaN);
            md.append(String.format(
                    Locale.ROOT,
                    "- **The fastest fixed model at least as fast as gorilla's hub, closed loop**: %s, "
                            + "%.2fx at N = %d (%,.0f against %,.0f) and %.2fx at N = %d (%,.0f against %,.0f): %s.%n",
                    fastest.name(),
                    small / goSmall,
                    plan.smallN(),
                    small,
                    goSmall,
                    big / goBig,
                    plan.bigN(),
                    big,
                    goBig,
                    small >= goSmall && big >= goBig ? "met" : "missed"));
            md.append(String.format(
                    Locale.ROOT,
                    "- **Its server CPU per delivery at most gorilla's, N = %d**: %.2f us against %.2f us: %s.%n",
                    plan.bigN(),
                    cpu,
                    goCpu,
                    cpu <= goCpu ? "met" : "missed"));
            List<String> slow = new ArrayList<>();
            double goP99 =
                    median(results, go, Scenario.STEADY, Result::p99Millis).orElse(Double.NaN);
            for (Target t : fixed) {
                double p99 = median(results, t.name(), Scenario.STEADY, Result::p99Millis)
                        .orElse(Double.NaN);
                if (!(p99 <= 1.5 * goP99)) {
                    slow.add(String.format(Locale.ROOT, "%s %.1f ms", t.name(), p99));
                }
            }
            md.append(String.format(
                    Locale.ROOT,
                    "- **Every fixed model's steady p99 at most 1.5x gorilla's** (%.1f ms, so %.1f ms): %s.%n",
                    goP99,
                    1.5 * goP99,
                    slow.isEmpty() ? "met" : "missed by " + String.join(", ", slow)));
        } else {
            md.append("- **The targets against gorilla's hub**: not measured (no Go peer in this run).\n");
        }
        if (fastest != null
                && median(results, Benchmark.GO_CHAT, Scenario.CLOSED_BIG, Result::deliveriesPerSecond)
                        .isPresent()) {
            md.append(String.format(
                    Locale.ROOT,
                    "- **The fastest fixed model at least as fast as gorilla's own examples/chat, and at most its CPU"
                            + " per delivery** (it puts queued lines into one frame, and encodes no JSON), closed loop:"
                            + " %s.%n",
                    againstCanonical(fastest, results, plan)));
            Target coalesced = fastest(coalescedModels(targets), results);
            if (coalesced != null) {
                md.append(String.format(
                        Locale.ROOT,
                        "- **The same, its clients asking for several events to a frame**: %s.%n",
                        againstCanonical(coalesced, results, plan)));
            }
        } else {
            md.append("- **The targets against gorilla's own examples/chat**: not measured (not in this run).\n");
        }
        double peer = median(results, PEER, Scenario.CLOSED_BIG, Result::deliveriesPerSecond)
                .orElse(Double.NaN);
        List<String> under = new ArrayList<>();
        for (Target t : fixed) {
            double v = median(results, t.name(), Scenario.CLOSED_BIG, Result::deliveriesPerSecond)
                    .orElse(0.0);
            if (!t.name().startsWith("polling-loop") && !(v >= 2 * peer)) {
                under.add(String.format(Locale.ROOT, "%s %.2fx", t.name(), v / peer));
            }
        }
        md.append(String.format(
                Locale.ROOT,
                "- **Every fixed model but the polling loop at least 2x the Node peer, N = %d** (%,.0f "
                        + "deliveries/s): %s.%n",
                plan.bigN(),
                peer,
                under.isEmpty() ? "met" : "missed by " + String.join(", ", under)));
        List<String> broken = new ArrayList<>();
        for (Target t : fixed) {
            long lost = lost(results, t);
            long order = outOfOrder(results, t);
            if (lost + order > 0) {
                broken.add(t.name() + " lost " + lost + ", reordered " + order);
            }
        }
        md.append(String.format(
                Locale.ROOT,
                "- **Nothing lost, nothing reordered, every fixed model, every scenario**: %s.%n",
                broken.isEmpty() ? "met" : "missed: " + String.join("; ", broken)));
        List<String> memory = new ArrayList<>();
        for (Target t : targets) {
            median(results, t.name(), Scenario.CAPACITY, Result::rssPerConnectionKiB)
                    .filter(v -> t.java())
                    .ifPresent(v -> memory.add(
                            String.format(Locale.ROOT, "%s %.1f KiB%s", t.name(), v, v < 100 ? "" : " (over)")));
        }
        md.append(String.format(
                Locale.ROOT,
                "- **10,000 idle connections under 100 KiB of server memory each** (RSS growth per connection after a"
                        + " forced GC, at %,d connections; every model, not only the virtual-thread ones): %s.%n",
                plan.capacityN(),
                String.join(", ", memory)));
        md.append(String.format(
                Locale.ROOT,
                "- **The polling loop's idle CPU**: %s spinning, %s backing off.%n",
                f(
                        median(results, "polling-loop --idle spin", Scenario.IDLE, Result::serverCpuPercent),
                        "%.0f%% of a core"),
                f(median(results, "polling-loop", Scenario.IDLE, Result::serverCpuPercent), "%.1f%%")));
        long reordered = results.stream()
                .filter(r -> r.target().contains("locked"))
                .mapToLong(Result::outOfOrder)
                .sum();
        long lanes = results.stream()
                .filter(r -> r.target().equals("worker-pool"))
                .mapToLong(Result::outOfOrder)
                .sum();
        md.append(String.format(
                Locale.ROOT,
                "- **The worker pool's reordering**: %,d lines out of order with a lock per connection, "
                        + "%,d with lanes.%n",
                reordered,
                lanes));
    }

    /** {@code model} against gorilla's examples/chat at both N, closed loop: rate and server CPU per delivery. */
    private static String againstCanonical(Target model, List<Result> results, Plan plan) {
        List<String> against = new ArrayList<>();
        boolean met = true;
        for (Scenario s : List.of(Scenario.CLOSED_SMALL, Scenario.CLOSED_BIG)) {
            double lines = median(results, model.name(), s, Result::deliveriesPerSecond)
                    .orElse(0.0);
            double theirs = median(results, Benchmark.GO_CHAT, s, Result::deliveriesPerSecond)
                    .orElse(Double.NaN);
            double cpu = median(results, model.name(), s, Result::cpuMicrosPerDelivery)
                    .orElse(Double.NaN);
            double theirCpu = median(results, Benchmark.GO_CHAT, s, Result::cpuMicrosPerDelivery)
                    .orElse(Double.NaN);
            met &= lines >= theirs && cpu <= theirCpu;
            against.add(String.format(
                    Locale.ROOT,
                    "N = %d: %.2fx the deliveries per second (%,.0f against %,.0f), %.2f us"
                            + " of server CPU per delivery against %.2f us",
                    s == Scenario.CLOSED_SMALL ? plan.smallN() : plan.bigN(),
                    lines / theirs,
                    lines,
                    theirs,
                    cpu,
                    theirCpu));
        }
        return model.name() + ", " + String.join("; ", against) + ": " + (met ? "met" : "missed");
    }

    private static void chart(Path svg, Plan plan, List<Target> targets, List<Result> results) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Target t : targets) {
            median(results, t.name(), Scenario.CLOSED_BIG, Result::deliveriesPerSecond)
                    .ifPresent(v -> data.addValue(v, "N = " + plan.bigN(), t.name()));
            median(results, t.name(), Scenario.CLOSED_SMALL, Result::deliveriesPerSecond)
                    .ifPresent(v -> data.addValue(v, "N = " + plan.smallN(), t.name()));
        }
        JFreeChart chart = ChartFactory.createBarChart(
                "Deliveries per second, closed loop (median of " + plan.runs() + ")",
                null,
                "deliveries / s",
                data,
                PlotOrientation.HORIZONTAL,
                true,
                false,
                false);
        chart.setBackgroundPaint(Color.WHITE);
        SVGGraphics2D g = new SVGGraphics2D(900, 480);
        g.setDefsKeyPrefix("benchmark"); // not a random number: the same figures draw the same file, byte for byte
        chart.draw(g, new Rectangle(0, 0, 900, 480));
        Files.writeString(svg, g.getSVGDocument());
    }

    /** Smoke mode proves the benchmark still works: every target measured, nothing lost by a fixed model. */
    static void checkSmoke(List<Result> results, List<Target> targets) {
        List<String> problems = new ArrayList<>();
        for (Target t : targets) {
            for (Scenario s : t.scenarios()) {
                if (results.stream()
                        .noneMatch(
                                r -> r.target().equals(t.name()) && r.scenario().equals(s.name()))) {
                    problems.add(t.name() + " has no " + s + " result");
                }
            }
        }
        for (Result r : results) {
            if (r.lost() > 0) {
                problems.add(r.target() + " lost " + r.lost() + " lines in " + r.scenario());
            }
            if (r.deliveriesPerSecond() == 0) {
                problems.add(r.target() + " delivered nothing in " + r.scenario());
            }
        }
        if (!problems.isEmpty()) {
            System.err.println("benchmark smoke FAILED: " + problems);
            System.exit(1);
        }
        System.out.println("benchmark smoke: " + results.size() + " measurements, all present, nothing lost");
    }
}
