package fivechats.tools;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/** {@code java -jar tools/target/tools.jar TOOL [flags]}: runs one tool; with no tool, says which there are. */
public final class Main {
    static final String USAGE = """
            usage: java -jar tools/target/tools.jar TOOL [flags]

              stuck   clients that stop reading, then read what reached them
                        --url ws://127.0.0.1:8080   --clients 1   --for 30s
              burst   senders that each send lines as fast as they can, then check what came back
                        --url ws://127.0.0.1:8080   --senders 5   --lines 100   --size 100   --patience 30s
              watch   one client that reads everything and marks each gap and out-of-order line
                        --url ws://127.0.0.1:8080   --name watcher   --for 0s (0: until Ctrl-C)
            """;

    /** Each tool's flags, as USAGE lists them. */
    private static final Map<String, Set<String>> FLAGS = Map.of(
            "stuck", Set.of("url", "clients", "for"),
            "burst", Set.of("url", "senders", "lines", "size", "patience"),
            "watch", Set.of("url", "name", "for"));

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.out.println(USAGE);
            return;
        }
        String problem = problem(args);
        if (problem != null) {
            System.err.println("error: " + problem + "\n" + USAGE);
            System.exit(2);
        }
        Flags flags = new Flags(Arrays.copyOfRange(args, 1, args.length));
        try {
            switch (args[0]) {
                case "stuck" -> Stuck.run(flags);
                case "burst" -> Burst.run(flags);
                default -> Watch.run(flags);
            }
        } catch (IllegalStateException e) {
            System.err.println("error: " + e.getMessage()); // what the tool saw is the finding, not a stack trace
            System.exit(1);
        }
    }

    /** Why these arguments would be refused, or null: the tutorial's test checks every command a chapter quotes. */
    public static String problem(String[] args) {
        if (args.length == 0 || !FLAGS.containsKey(args[0])) {
            return "no tool named '" + (args.length == 0 ? "" : args[0]) + "': the tools are " + FLAGS.keySet();
        }
        try {
            Flags flags = new Flags(Arrays.copyOfRange(args, 1, args.length));
            for (String name : flags.names()) {
                if (!FLAGS.get(args[0]).contains(name)) {
                    return args[0] + " has no flag --" + name + "; it takes " + FLAGS.get(args[0]);
                }
            }
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }
}
