package fivechats.tools;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** {@code --name value} pairs; a duration is written 30s, 500ms or 2m. */
final class Flags {
    private final Map<String, String> values = new HashMap<>();

    Flags(String[] args) {
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("flags come in pairs, like --clients 4; got '" + args[i] + "'");
            }
            values.put(args[i].substring(2), args[i + 1]);
        }
    }

    java.util.Set<String> names() {
        return values.keySet();
    }

    String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    int integer(String name, int fallback) {
        return Integer.parseInt(string(name, Integer.toString(fallback)));
    }

    Duration duration(String name, String fallback) {
        String text = string(name, fallback);
        if (text.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
        }
        long amount = Long.parseLong(text.substring(0, text.length() - 1));
        return switch (text.charAt(text.length() - 1)) {
            case 's' -> Duration.ofSeconds(amount);
            case 'm' -> Duration.ofMinutes(amount);
            default -> throw new IllegalArgumentException("--" + name + " takes a duration like 30s, 500ms or 2m, not " + text);
        };
    }
}
