package fivechats.interleavings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jetbrains.lincheck.Lincheck;
import org.jetbrains.lincheck.LincheckAssertionError;
import org.jetbrains.lincheck.LincheckSettings;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.Outcome;

/**
 * Explores one scenario's interleavings with Lincheck's model checker. A scenario is a jcstress {@code @State} class:
 * its {@code @Actor} methods run on threads of their own, then its {@code @Arbiter} (if any) reads the result, and the
 * result's text ({@code "1, 1"}) is judged by the class's {@code @Outcome}s, exactly as jcstress judges it.
 *
 * <p>What differs is who schedules the threads. jcstress runs the actors millions of times on real cores and counts
 * what came out. Lincheck takes the threads over: at every shared-memory access, lock and park it may switch to
 * another thread, and it tries the choices one interleaving after another, from a fixed seed. So an outcome that
 * jcstress sees in 1% of samples is found here in a bounded number of interleavings, every run, and printed as the
 * steps of each thread that led to it; the same command prints the same steps.
 *
 * <p>What it cannot see: Lincheck assumes sequential consistency (every write visible at once to every thread), so
 * the memory model's effects (a stale read, a reordered store) stay jcstress's. See chapter 9.
 */
public final class Explorer<S, R> {
    /**
     * One {@code @Actor}, called by a lambda the test writes ({@code (s, r) -> s.alice(r)}): a call Lincheck sees, so
     * the trace starts at the actor and goes down through the model. (Called by reflection, the actor's call and its
     * calls into the model are made from code Lincheck does not instrument, and the trace loses them.)
     */
    @FunctionalInterface
    public interface ActorCall<S, R> {
        void act(S state, R result);
    }

    /*
     * Lincheck's defaults, but a loop may run 100 times (not 10) before Lincheck takes it for a spin lock and switches
     * threads there: walking a HashMap's 16 buckets is no spin lock, and every such switch doubles the interleavings
     * to explore before the one that matters. Lincheck 3.7 takes settings only through this internal entry point.
     */
    private static final LincheckSettings SETTINGS = new LincheckSettings(true, 100, 1000, 20);

    private final Class<S> scenario;
    private final Class<R> resultType;
    private final List<ActorCall<S, R>> actors;
    private final Method arbiter;
    private final List<Judgement> outcomes;

    /*
     * Lincheck puts back every field the explored code touched before each interleaving, so that each starts from the
     * same state, and after the last. A count kept in a field would read 0 at the end. So the explorer keeps its tape
     * in StringBuilders, whose insides Lincheck leaves alone (it does not instrument java.lang): one character per
     * interleaving, '?' while it runs, then '.' for an acceptable outcome, 'i' for an interesting one ('~' when the
     * exploration goes on past it) or 'x' for a forbidden one (the first bad one's words go in badOutcome). A '?'
     * left behind is an interleaving that never finished: an actor hung or threw.
     */
    private final StringBuilder tape = new StringBuilder();
    private final StringBuilder badOutcome = new StringBuilder();
    /** The first interesting outcome passed by, when {@link #passingInteresting()} lets the exploration go on. */
    private final StringBuilder interesting = new StringBuilder();

    private boolean interestingStops = true;

    /*
     * This interleaving's scenario and result, published through fields: Lincheck takes an object that only local
     * variables reach for one thread's own, and never switches threads at its accesses, so a scenario kept in a local
     * variable would never break.
     */
    private S state;
    private R result;

    /*
     * One instance made before the exploration, never explored: Lincheck instruments the classes of the objects it
     * can reach from the explorer when it starts (the scenario's, the model's), and others only when instrumented code
     * creates them. The scenarios are made by reflection, which Lincheck does not see; without this one, the model's
     * code would run uninstrumented, and no interleaving would ever switch inside it.
     */
    private final S prototype;

    private Explorer(Class<S> scenario, Class<R> resultType, List<ActorCall<S, R>> actors) {
        this.scenario = scenario;
        this.prototype = construct(scenario);
        this.resultType = resultType;
        this.actors = actors;
        this.arbiter = Arrays.stream(scenario.getMethods())
                .filter(m -> m.isAnnotationPresent(Arbiter.class))
                .findFirst()
                .orElse(null);
        this.outcomes = Arrays.stream(scenario.getAnnotationsByType(Outcome.class))
                .map(o -> new Judgement(List.of(o.id()), o.expect(), o.desc()))
                .toList();
        long declared = Arrays.stream(scenario.getMethods())
                .filter(m -> m.isAnnotationPresent(Actor.class))
                .count();
        if (declared != actors.size() || outcomes.isEmpty()) {
            throw new IllegalArgumentException(scenario.getName() + " declares " + declared + " @Actor methods and "
                    + outcomes.size() + " @Outcomes; the test gave " + actors.size() + " actors: give one lambda per"
                    + " @Actor, such as (s, r) -> s.alice(r)");
        }
    }

    /**
     * Goes on past an interesting outcome (noted in the report) and stops only at a forbidden one: how a grade judges
     * a student's scenario. The build's own explorations stop at either, to show a naive form's first break.
     */
    public Explorer<S, R> passingInteresting() {
        interestingStops = false;
        return this;
    }

    @SafeVarargs
    @SuppressWarnings("varargs") // List.of copies the array, and nothing else sees it
    public static <S, R> Explorer<S, R> of(Class<S> scenario, Class<R> result, ActorCall<S, R>... actors) {
        return new Explorer<>(scenario, result, List.of(actors));
    }

    /**
     * What one exploration ended with: the number of interleavings run, and for a break its trace, its outcome in
     * the scenario's words (its {@code @Outcome}'s description) and how the scenario judges it ({@code expect}: an
     * interesting outcome, a forbidden one, or an interleaving that never ended, which counts as forbidden). An
     * exploration that held after {@link #passingInteresting()} names the first interesting outcome it passed by.
     */
    public record Report(String scenario, int explored, String trace, String outcome, Expect expect) {
        public boolean broke() {
            return trace != null;
        }
    }

    /**
     * Explores at most {@code bound} interleavings and stops at the first whose outcome is not {@link
     * Expect#ACCEPTABLE} (interesting or forbidden): its trace is in the report.
     */
    public Report explore(int bound) {
        tape.setLength(0);
        badOutcome.setLength(0);
        interesting.setLength(0);
        try {
            Lincheck.runConcurrentTestInternal$lincheck(bound, SETTINGS, this::runOnce);
            return interesting.isEmpty()
                    ? new Report(name(), tape.length(), null, null, Expect.ACCEPTABLE)
                    : new Report(name(), tape.length(), null, interesting.toString(), Expect.ACCEPTABLE_INTERESTING);
        } catch (LincheckAssertionError e) {
            String raw = e.getMessage().strip();
            // The actors' lambdas are written in one file (a test's, or the grader's driver): where each actor starts.
            String lambdas = actors.get(0).getClass().getNestHost().getSimpleName() + ".java";
            String trace = Trace.steps(raw, file -> ours(file) || file.equals(lambdas), lambdas);
            // Lincheck replays the bad interleaving to record its trace: the break is the tape's first mark that is not
            // '.'.
            int found = tape.toString().replace('x', '?').replace('i', '?').indexOf('?') + 1;
            String outcome = badOutcome.toString();
            Expect expect = tape.indexOf("i") == found - 1 ? Expect.ACCEPTABLE_INTERESTING : Expect.FORBIDDEN;
            if (outcome.isEmpty()) { // no outcome: an actor never returned, or threw
                outcome = raw.contains("deadlock") || raw.contains("has hung")
                        ? outcomes.stream()
                                .filter(o -> o.ids().contains("deadlock"))
                                .findFirst()
                                .map(o -> "deadlock: " + o.desc())
                                .orElse("deadlock: every unfinished thread waits for a lock that no thread will"
                                        + " release")
                        : "an actor threw (see the trace)";
            }
            return new Report(name(), found, trace, outcome, expect);
        }
    }

    private String name() {
        return scenario.getEnclosingClass() == null
                ? scenario.getSimpleName()
                : scenario.getEnclosingClass().getSimpleName() + "." + scenario.getSimpleName();
    }

    /** One interleaving: fresh state, the actors on threads the explorer schedules, then the arbiter and the verdict. */
    private void runOnce() {
        tape.append('?');
        state = construct(scenario);
        result = construct(resultType);
        // Plain loops, no streams: everything in here is explored too, and each step costs time in every interleaving.
        Thread[] threads = new Thread[actors.size()];
        for (int i = 0; i < threads.length; i++) {
            ActorCall<S, R> actor = actors.get(i);
            threads[i] = new Thread(() -> actor.act(state, result));
            threads[i].start();
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
        if (arbiter != null) {
            arbitrate();
        }
        String id = result.toString();
        Judgement verdict = judge(id);
        if (verdict.expect() == Expect.ACCEPTABLE) {
            tape.setCharAt(tape.length() - 1, '.');
        } else if (verdict.expect() == Expect.ACCEPTABLE_INTERESTING && !interestingStops) {
            tape.setCharAt(tape.length() - 1, '~');
            if (interesting.isEmpty()) {
                interesting.append(id).append(": ").append(verdict.desc());
            }
        } else {
            tape.setCharAt(tape.length() - 1, verdict.expect() == Expect.ACCEPTABLE_INTERESTING ? 'i' : 'x');
            if (badOutcome.isEmpty()) {
                badOutcome.append(id).append(": ").append(verdict.desc());
            }
            throw new AssertionError("outcome " + id + ": " + verdict.desc());
        }
    }

    /** An {@code @Outcome}, read once: its ids (regular expressions, as in jcstress; none for the catch-all). */
    private record Judgement(List<String> ids, Expect expect, String desc, List<Boolean> regex) {
        Judgement(List<String> ids, Expect expect, String desc) {
            // jcstress's catch-all has the id "", not none; which ids are regular expressions is found here, before
            // the exploration, so that judging a plain id (most of them) costs no regex in each interleaving. (No
            // compiled Pattern is kept: Lincheck would walk into it, and java.util.regex does not open to it.)
            this(
                    ids.stream().filter(id -> !id.isEmpty()).toList(),
                    expect,
                    desc,
                    ids.stream()
                            .filter(id -> !id.isEmpty())
                            .map(id -> id.chars().anyMatch(c -> "[](){}|.*+?^$\\".indexOf(c) >= 0))
                            .toList());
        }

        boolean matches(String id) {
            for (int i = 0; i < ids.size(); i++) {
                if (ids.get(i).equals(id) || regex.get(i) && Pattern.matches(ids.get(i), id)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** The first {@code @Outcome} whose id matches; else the catch-all. */
    private Judgement judge(String id) {
        Judgement catchAll = null;
        for (Judgement o : outcomes) {
            if (o.ids().isEmpty()) {
                catchAll = o;
            }
            if (o.matches(id)) {
                return o;
            }
        }
        if (catchAll == null) {
            throw new AssertionError("outcome " + id + " matches none of " + scenario.getSimpleName() + "'s @Outcomes");
        }
        return catchAll;
    }

    /** The repository's source files, by name: the trace shows the steps taken in them. */
    private static final Set<String> OURS = sourceFiles();

    private static boolean ours(String file) {
        return OURS.contains(file);
    }

    /**
     * The repository's root is two folders up when run from tests/interleavings, as Maven does; a run from elsewhere
     * (the grader's) names it with {@code -Dfivechats.root}.
     */
    private static Set<String> sourceFiles() {
        Path root = Path.of(System.getProperty("fivechats.root", "../.."));
        // deep enough for tests/assignments/*/src/main/java/fivechats/*
        try (Stream<Path> files = Files.walk(root, 10)) {
            return files.filter(f -> f.toString().endsWith(".java")
                            && f.toString().contains("/src/")
                            && !f.toString().contains("/node_modules/"))
                    .map(f -> f.getFileName().toString())
                    .collect(Collectors.toSet());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static <T> T construct(Class<T> type) {
        try {
            var constructor = type.getDeclaredConstructor();
            constructor.setAccessible(true);
            return constructor.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create " + type.getName() + ": " + e, e);
        }
    }

    /** The arbiter runs after the actors, alone: by reflection, which costs nothing here (no thread to switch to). */
    private void arbitrate() {
        try {
            if (arbiter.getParameterCount() == 0) {
                arbiter.invoke(state);
            } else {
                arbiter.invoke(state, result);
            }
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }
}
