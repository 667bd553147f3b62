package fivechats.race;

import fivechats.transport.ChatModel;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * One answer to an exercise, kept as a fixture: the edits a learner makes to a model's source, written as
 * {@code --- find} / {@code --- replace} blocks under a short header (see {@code src/test/resources/exercises/}).
 * {@link #compile()} applies the edits to a copy of the source (the working tree is never touched), compiles the
 * copy and loads it beside the real model, so a scenario can run the answer as its row.
 *
 * @param name     the file's name: {@code 8.1-right} or {@code 8.1-wrong}
 * @param exercise the exercise it answers
 * @param right    whether it is a right answer (its check must pass) or a wrong one (its check must fail)
 * @param fails    for a wrong answer, the scenario whose sentence the check must print
 * @param file     the model's source file, from the repository's root
 * @param variant  the class the row builds, e.g. {@code fivechats.mutexmap.MutexMap$Naive}
 * @param args     its constructor's arguments, as the row passes them (ints and enum constants), from {@code args: }
 * @param edits    pairs of text found once in the file, and what replaces it
 */
record ExerciseFixture(
        String name,
        Exercise exercise,
        boolean right,
        String fails,
        String file,
        String variant,
        List<String> args,
        List<String[]> edits) {

    static Stream<ExerciseFixture> all() throws IOException {
        try (Stream<Path> files = Files.list(folder())) {
            return files.sorted().map(ExerciseFixture::read).toList().stream();
        }
    }

    private static Path folder() {
        return Path.of(System.getProperty("fivechats.root", "../.."))
                .resolve("tests/race/src/test/resources/exercises");
    }

    private static ExerciseFixture read(Path path) {
        try {
            List<String> lines = Files.readAllLines(path);
            String name = path.getFileName().toString().replace(".txt", "");
            String file = header(lines, "file"), variant = header(lines, "variant");
            String fails = lines.stream()
                    .filter(l -> l.startsWith("fails: "))
                    .map(l -> l.substring(7))
                    .findFirst()
                    .orElse(null);
            List<String> args = lines.stream()
                    .filter(l -> l.startsWith("args: "))
                    .flatMap(l -> Arrays.stream(l.substring(6).split(",\\s*")))
                    .toList();
            List<String[]> edits = new ArrayList<>();
            StringBuilder find = null, replace = null;
            for (String line : lines) {
                if (line.equals("--- find")) {
                    find = new StringBuilder();
                    replace = null;
                } else if (line.equals("--- replace")) {
                    replace = new StringBuilder();
                } else if (line.equals("--- end")) {
                    edits.add(new String[] {find.toString(), replace.toString()});
                    find = replace = null;
                } else if (replace != null) {
                    replace.append(line).append('\n');
                } else if (find != null) {
                    find.append(line).append('\n');
                }
            }
            return new ExerciseFixture(
                    name,
                    Exercise.byId(name.substring(0, name.indexOf('-'))),
                    name.endsWith("-right"),
                    fails,
                    file,
                    variant,
                    args,
                    edits);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String header(List<String> lines, String key) {
        return lines.stream()
                .filter(l -> l.startsWith(key + ": "))
                .map(l -> l.substring(key.length() + 2))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("exercise fixture without a '" + key + ": ' line"));
    }

    /**
     * Applies the edits to a copy of the source and compiles it; returns a factory of the answer's model. Fails, saying
     * which edit, when the model's source has drifted away from the fixture: then update the fixture.
     */
    Supplier<ChatModel> compile() throws Exception {
        Path root = Path.of(System.getProperty("fivechats.root", "../.."));
        String source = Files.readString(root.resolve(file));
        for (String[] edit : edits) {
            int at = source.indexOf(edit[0]);
            if (at < 0 || source.indexOf(edit[0], at + 1) >= 0) {
                throw new AssertionError(name + " no longer applies to " + file + ": this text is found "
                        + (at < 0 ? "nowhere" : "more than once") + " in it; update the fixture\n" + edit[0]);
            }
            source = source.replace(edit[0], edit[1]);
        }
        Path dir = Files.createTempDirectory("exercise-" + name);
        Path copy = dir.resolve(Path.of(file).getFileName());
        Files.writeString(copy, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter errors = new StringWriter();
        Class<?> original = Class.forName(variant);
        String classpath = String.join(
                java.io.File.pathSeparator,
                location(original),
                location(ChatModel.class),
                location(org.slf4j.Logger.class)); // no Jetty: a model needs only the transport
        boolean ok = javac.getTask(
                        errors,
                        null,
                        null,
                        List.of("-d", dir.toString(), "-cp", classpath, "-proc:none"),
                        null,
                        javac.getStandardFileManager(null, null, null).getJavaFileObjects(copy))
                .call();
        if (!ok) {
            throw new AssertionError(name + " does not compile against " + file + ":\n" + errors);
        }
        // The model's package from the answer (its other classes from the model's own build, so package-private access
        // still works: one package is one loader); everything else (the transport, Jetty) from the test's own loader.
        String pkg = variant.substring(0, variant.lastIndexOf('.') + 1);
        URL[] urls = {dir.toUri().toURL(), Path.of(location(original)).toUri().toURL()};
        ClassLoader loader = new URLClassLoader(urls, getClass().getClassLoader()) {
            @Override
            protected Class<?> loadClass(String className, boolean resolve) throws ClassNotFoundException {
                synchronized (getClassLoadingLock(className)) {
                    if (className.startsWith(pkg)) {
                        Class<?> loaded = findLoadedClass(className);
                        return loaded != null ? loaded : findClass(className);
                    }
                    return super.loadClass(className, resolve);
                }
            }
        };
        Constructor<?> constructor = Arrays.stream(loader.loadClass(variant).getDeclaredConstructors())
                .filter(c -> c.getParameterCount() == args.size())
                .findFirst()
                .orElseThrow();
        constructor.setAccessible(true);
        Object[] values = new Object[args.size()];
        for (int i = 0; i < values.length; i++) {
            Class<?> type = constructor.getParameterTypes()[i];
            values[i] = type == int.class ? (Object) Integer.parseInt(args.get(i)) : enumConstant(type, args.get(i));
        }
        return () -> {
            try {
                return (ChatModel) constructor.newInstance(values);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object enumConstant(Class<?> type, String name) {
        return Enum.valueOf((Class) type, name);
    }

    private static String location(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
    }

    @Override
    public String toString() {
        return name
                + (right
                        ? " (a right answer: its check passes)"
                        : " (a wrong answer: its check fails on " + fails + ")");
    }
}
