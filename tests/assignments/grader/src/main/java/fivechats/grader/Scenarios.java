package fivechats.grader;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;

/**
 * A student's jcstress scenarios, explored. They live where jcstress runs them, in the graded model's package under
 * {@code tests/jcstress/src/main/java} (assignment B asks for one). This class compiles them, writes for each one a
 * small driver that names each {@code @Actor} in a lambda (as {@code tests/interleavings} does by hand: a call made by
 * reflection would be lost from the trace), and runs the drivers in a JVM of their own, because Lincheck instruments
 * every class it reaches, which the rest of the grading must not pay for.
 */
final class Scenarios {
    /** The same bound as the build's own exploration (Exploration.DEFAULT_BOUND in tests/interleavings), and its JVM options. */
    static final int BOUND = 200;

    private static final List<String> JVM_OPTIONS = List.of(
            "-XX:+EnableDynamicAgentLoading",
            "-Xss4m",
            "-Xshare:off",
            "-Dlincheck.logLevel=ERROR",
            "-Dio.prometheus.metrics.exemplarsEnabled=false");
    /** Ample for a few scenarios of two or three actors (about 6 s each here); a hung exploration is stopped. */
    private static final long PATIENCE_MINUTES = 10;

    /**
     * One scenario's exploration: held through {@code explored} interleavings (passing by the interesting {@code outcome},
     * if not null), or broken by a forbidden {@code outcome} in interleaving {@code explored}, with its {@code trace};
     * or not explored at all ({@code explored} 0, {@code outcome} says why).
     */
    record Result(String scenario, int explored, boolean broke, String outcome, String trace) {}

    private Scenarios() {}

    /** The repository's root: the grading command names it; three folders up from the grader otherwise. */
    private static Path root() {
        return Path.of(System.getProperty("grade.root", "../../.."))
                .toAbsolutePath()
                .normalize();
    }

    /** tests/jcstress's sources: scenarios find what they use there (RecordingConnection, say). */
    private static Path sourceRoot() {
        return root().resolve("tests/jcstress/src/main/java");
    }

    /** The scenario sources of this package: where the student puts them. */
    static Path folder(String packageName) {
        return sourceRoot().resolve(packageName.replace('.', '/'));
    }

    /** The same folder, as a student types it: from the repository's root. */
    static String where(String packageName) {
        return root().relativize(folder(packageName)) + "/";
    }

    /** Compiles, explores and reads back every scenario in the package's folder; empty if it has none. */
    static List<Result> explore(String packageName, Path work)
            throws IOException, InterruptedException, ReflectiveOperationException {
        Path folder = folder(packageName);
        List<Path> sources = javaFiles(folder);
        if (sources.isEmpty()) {
            return List.of();
        }
        Path classes = work.resolve("classes");
        Path reports = work.resolve("reports");
        for (Path clean : List.of(classes, reports)) {
            deleteTree(clean);
            Files.createDirectories(clean);
        }
        String classpath = System.getProperty("java.class.path");
        compile(sources, classpath, classes);
        List<String> drivers = new ArrayList<>();
        List<Path> driverSources = new ArrayList<>();
        List<Result> results = new ArrayList<>();
        try (URLClassLoader loader =
                new URLClassLoader(new URL[] {classes.toUri().toURL()}, Scenarios.class.getClassLoader())) {
            for (String name : classNames(classes, packageName, folder)) {
                Class<?> scenario = loader.loadClass(name);
                if (!scenario.isAnnotationPresent(JCStressTest.class)) {
                    continue;
                }
                String unsupported = unsupported(scenario);
                if (unsupported != null) {
                    results.add(new Result(scenario.getSimpleName(), 0, false, "not explored: " + unsupported, null));
                    continue;
                }
                Path driver =
                        work.resolve("drivers").resolve(driverName(scenario).replace('.', '/') + ".java");
                Files.createDirectories(driver.getParent());
                Files.writeString(driver, driverSource(scenario));
                driverSources.add(driver);
                drivers.add(driverName(scenario));
            }
        }
        if (!drivers.isEmpty()) {
            compile(driverSources, classpath + File.pathSeparator + classes, classes);
            run(classpath + File.pathSeparator + classes, reports, drivers, work.resolve("explore.log"));
            for (String driver : drivers) {
                results.add(read(reports.resolve(driver + ".txt")));
            }
        }
        return results;
    }

    private static void compile(List<Path> sources, String classpath, Path out) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter errors = new StringWriter();
        // -g: the trace names a variable as the code does ("s.bobsReader()"), not by its object ("Hub#1.bobsReader()")
        List<String> options = List.of(
                "-g",
                "-proc:none",
                "-nowarn",
                "-d",
                out.toString(),
                "-cp",
                classpath,
                "-sourcepath",
                sourceRoot().toString());
        try (StandardJavaFileManager manager = javac.getStandardFileManager(null, null, null)) {
            var files = manager.getJavaFileObjectsFromPaths(sources);
            if (!javac.getTask(errors, manager, null, options, null, files).call()) {
                throw new AssertionError(
                        "your scenarios do not compile:\n" + errors.toString().strip());
            }
        }
    }

    /**
     * Why the explorer cannot run this scenario, or null. It runs the common shape: a {@code @State} class whose
     * {@code @Actor}s and {@code @Arbiter} take nothing or one result object, as every scenario in tests/jcstress does.
     */
    private static String unsupported(Class<?> scenario) {
        List<Method> methods = Arrays.stream(scenario.getMethods())
                .filter(m -> m.isAnnotationPresent(Actor.class) || m.isAnnotationPresent(Arbiter.class))
                .toList();
        if (methods.stream().anyMatch(m -> m.getParameterCount() > 1)) {
            return "an @Actor or @Arbiter takes a separate @State (the explorer runs actors on the scenario's own"
                    + " state)";
        }
        if (result(scenario) == null) {
            return "no @Actor or @Arbiter takes a result (a termination test, say): there is no outcome to judge";
        }
        return null;
    }

    private static Class<?> result(Class<?> scenario) {
        return Arrays.stream(scenario.getMethods())
                .filter(m -> m.isAnnotationPresent(Actor.class) || m.isAnnotationPresent(Arbiter.class))
                .filter(m -> m.getParameterCount() == 1)
                .map(m -> m.getParameterTypes()[0])
                .findFirst()
                .orElse(null);
    }

    /**
     * The driver: {@code Explorer.of(Scenario.class, Result.class, (s, r) -> s.actor(r), ...).passingInteresting()
     * .explore(bound)}: a grade fails on a forbidden outcome only.
     */
    private static String driverSource(Class<?> scenario) {
        List<Method> actors = Arrays.stream(scenario.getMethods())
                .filter(m -> m.isAnnotationPresent(Actor.class))
                .sorted(Comparator.comparing(Method::getName))
                .toList(); // by name: the same order, so the same trace
        Class<?> result = result(scenario);
        StringBuilder calls = new StringBuilder();
        for (Method actor : actors) {
            calls.append(", (s, r) -> s.")
                    .append(actor.getName())
                    .append(actor.getParameterCount() == 1 ? "(r)" : "()");
        }
        return "package " + scenario.getPackageName() + ";\n\n"
                + "/** Written by the grader (Scenarios.java): explores " + scenario.getSimpleName() + ". */\n"
                + "public final class "
                + driverName(scenario).substring(scenario.getPackageName().length() + 1)
                + " implements java.util.function.IntFunction<fivechats.interleavings.Explorer.Report> {\n"
                + "    @Override\n    public fivechats.interleavings.Explorer.Report apply(int bound) {\n"
                + "        return fivechats.interleavings.Explorer.of(" + scenario.getCanonicalName() + ".class, "
                + result.getCanonicalName() + ".class" + calls + ").passingInteresting().explore(bound);\n    }\n}\n";
    }

    private static String driverName(Class<?> scenario) {
        return scenario.getPackageName() + ".Explore_"
                + scenario.getName()
                        .substring(scenario.getPackageName().length() + 1)
                        .replace('$', '_');
    }

    private static void run(String classpath, Path reports, List<String> drivers, Path log)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString()); // this JVM's own JDK
        command.addAll(JVM_OPTIONS);
        command.add("-Dfivechats.root=" + root()); // the explorer's trace keeps the steps in this repository's files
        command.addAll(
                List.of("-cp", classpath, ExploreScenarios.class.getName(), reports.toString(), String.valueOf(BOUND)));
        command.addAll(drivers);
        Process explorer = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            if (!explorer.waitFor(PATIENCE_MINUTES, TimeUnit.MINUTES)) {
                throw new AssertionError(
                        "exploring your scenarios took more than " + PATIENCE_MINUTES + " minutes: see " + log);
            }
        } finally {
            explorer.destroyForcibly(); // ended already, or hung, or this thread was interrupted: never left behind
        }
        if (explorer.exitValue() != 0) {
            List<String> lines = Files.readAllLines(log);
            throw new AssertionError("the explorer failed (see " + log + "):\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 8), lines.size())));
        }
    }

    /** A report file written by {@link ExploreScenarios}. */
    private static Result read(Path report) throws IOException {
        List<String> lines = Files.readAllLines(report);
        String[] head = lines.get(0).split(" ");
        String scenario = lines.get(1);
        String outcome = lines.size() > 2 ? lines.get(2) : null;
        return switch (head[0]) {
            case "held" -> new Result(scenario, Integer.parseInt(head[1]), false, outcome, null);
            case "broke" ->
                new Result(
                        scenario,
                        Integer.parseInt(head[1]),
                        true,
                        outcome,
                        String.join("\n", lines.subList(3, lines.size())));
            default -> throw new AssertionError("the explorer could not run " + scenario + ": " + outcome);
        };
    }

    private static List<Path> javaFiles(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        }
    }

    /** The classes compiled into the package's folder, nested ones included. */
    private static List<String> classNames(Path classes, String packageName, Path folder) throws IOException {
        Path compiled = classes.resolve(packageName.replace('.', '/'));
        if (!Files.isDirectory(compiled)) {
            throw new AssertionError("the files in " + folder + " declare no class of package " + packageName
                    + ": a scenario must be in its model's package (so that it can call the model's"
                    + " package-private methods)");
        }
        try (Stream<Path> files = Files.list(compiled)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(f -> f.endsWith(".class"))
                    .map(f -> packageName + "." + f.substring(0, f.length() - ".class".length()))
                    .sorted()
                    .toList();
        }
    }

    private static void deleteTree(Path tree) throws IOException {
        if (Files.exists(tree)) {
            try (Stream<Path> files = Files.walk(tree)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
    }
}
