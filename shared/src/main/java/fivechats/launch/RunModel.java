package fivechats.launch;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.jar.JarFile;

/**
 * The {@code Main-Class} of every model's runnable jar. The models need Java 21 (virtual threads), but a learner's
 * default {@code java} may be older, and then the JVM's only answer is {@code UnsupportedClassVersionError}. This class
 * is compiled for Java 8 so that any {@code java} can run it: on 21 or newer it hands over to the model's own
 * {@code main}, named in the jar's manifest ({@code Five-Chats-Main}); on anything older it says which java to use.
 */
public final class RunModel {
    /** Virtual threads ({@code Thread.ofVirtual}) arrived in Java 21. */
    private static final int NEEDED = 21;
    /** Where Debian, Ubuntu and most Linux packages install JDKs, and where Maven's toolchains discovery looks. */
    private static final File JDKS = new File("/usr/lib/jvm");

    private RunModel() {}

    public static void main(String[] args) throws Throwable {
        File jar = new File(RunModel.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        String model;
        try (JarFile file = new JarFile(jar)) {
            model = file.getManifest().getMainAttributes().getValue("Five-Chats-Main");
        }
        int version = feature(System.getProperty("java.specification.version"));
        if (version < NEEDED) {
            System.err.println(advice(jar));
            System.exit(1);
        }
        try {
            Class.forName(model).getMethod("main", String[].class).invoke(null, (Object) args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause(); // the model's own exception, not the reflection wrapper
        }
    }

    private static String advice(File jar) {
        String path = relative(jar);
        String name = jar.getName().replaceFirst("\\.jar$", "");
        StringBuilder out = new StringBuilder()
                .append(jar.getName())
                .append(" needs Java ")
                .append(NEEDED)
                .append(" or newer (it runs on virtual threads);")
                .append(" this java is ")
                .append(System.getProperty("java.version"))
                .append(" (")
                .append(System.getProperty("java.home"))
                .append(").\n");
        String newer = newestJdk();
        if (newer != null) {
            out.append("This machine has a newer one. Run the jar with it:\n  ")
                    .append(newer)
                    .append("/bin/java -jar ")
                    .append(path)
                    .append('\n');
        } else {
            out.append("Install a JDK ").append(NEEDED).append(" or newer and run the jar with its java.\n");
        }
        return out.append("Or let Maven find a JDK ")
                .append(NEEDED)
                .append("+ and start it for you, from the repository root:\n")
                .append("  ./mvnw -q -pl models/")
                .append(name)
                .append(" -am package exec:exec@run -DskipTests")
                .toString();
    }

    /** The newest JDK of version 21 or more under /usr/lib/jvm, read from each one's {@code release} file; or null. */
    private static String newestJdk() {
        String found = null;
        int best = NEEDED - 1;
        File[] homes = JDKS.listFiles();
        for (File home : homes == null ? new File[0] : homes) {
            File release = new File(home, "release");
            if (!release.isFile() || !new File(home, "bin/java").canExecute()) {
                continue;
            }
            try {
                for (String line : Files.readAllLines(release.toPath(), StandardCharsets.UTF_8)) {
                    if (line.startsWith("JAVA_VERSION=")) {
                        int v = feature(line.substring(line.indexOf('=') + 1).replace("\"", ""));
                        if (v > best) {
                            found = home.getPath();
                            best = v;
                        }
                    }
                }
            } catch (java.io.IOException | RuntimeException e) {
                // an unreadable JDK is not one to recommend
            }
        }
        return found;
    }

    /** "1.8" is 8, "17" is 17, "21.0.2" is 21. */
    private static int feature(String version) {
        String[] parts = version.split("[.+-]");
        int first = Integer.parseInt(parts[0]);
        return first == 1 && parts.length > 1 ? Integer.parseInt(parts[1]) : first;
    }

    /** The jar's path as the learner would type it from where they are. */
    private static String relative(File jar) {
        String here = new File("").getAbsolutePath() + File.separator;
        String path = jar.getAbsolutePath();
        return path.startsWith(here) ? path.substring(here.length()) : path;
    }
}
