package fivechats.format;

import com.palantir.javaformat.java.Formatter;
import com.palantir.javaformat.java.FormatterException;
import com.palantir.javaformat.java.JavaFormatterOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The house style, one pass over every Java file of the repository: palantir-java-format (4 spaces, 120 columns),
 * imports sorted with unused ones removed, javadoc left as written. {@code check} fails, naming the files out of style
 * and the command that formats them; {@code apply} rewrites them in place.
 */
public final class Format {
    private static final String APPLY = "./mvnw -q -pl format process-classes -Dformat.mode=apply";

    private Format() {}

    public static void main(String[] args) throws IOException {
        boolean apply = args[0].equals("apply");
        Path root = Path.of(args[1]).toAbsolutePath().normalize();
        Formatter formatter = Formatter.createFormatter(JavaFormatterOptions.builder()
                .style(JavaFormatterOptions.Style.PALANTIR)
                .build());
        List<String> outOfStyle = new ArrayList<>();
        List<String> broken = new ArrayList<>();
        for (Path file : javaFiles(root)) {
            String source = Files.readString(file);
            String formatted;
            try {
                formatted = formatter.formatSourceAndFixImports(source);
            } catch (FormatterException e) {
                broken.add(root.relativize(file) + ": " + e.getMessage());
                continue;
            }
            if (!formatted.equals(source)) {
                outOfStyle.add(root.relativize(file).toString());
                if (apply) {
                    Files.writeString(file, formatted);
                }
            }
        }
        if (!broken.isEmpty()) {
            System.err.println(
                    "format: these files do not parse, so they were left alone:\n  " + String.join("\n  ", broken));
            System.exit(1);
        }
        if (apply) {
            System.out.println("format: " + outOfStyle.size() + " file(s) rewritten");
        } else if (!outOfStyle.isEmpty()) {
            System.err.println("format: " + outOfStyle.size() + " file(s) are not in the house style:\n  "
                    + String.join("\n  ", outOfStyle) + "\nFormat them with: " + APPLY);
            System.exit(1);
        }
    }

    /** Every .java file under the root, except build output and installed packages. */
    private static List<Path> javaFiles(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> {
                        String path = root.relativize(f).toString();
                        return !path.contains("/target/") && !path.contains("node_modules/") && !path.startsWith(".");
                    })
                    .sorted()
                    .toList();
        }
    }
}
