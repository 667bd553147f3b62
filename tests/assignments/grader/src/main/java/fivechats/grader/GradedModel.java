package fivechats.grader;

import fivechats.race.SlowClientPolicy;
import fivechats.transport.ChatModel;
import java.util.List;
import java.util.ServiceLoader;

/** The model being graded: the one class the student's module lists in {@code META-INF/services/fivechats.transport.ChatModel}. */
final class GradedModel {
    private GradedModel() {}

    static ChatModel create() {
        String wanted = System.getProperty("grade.model", "");
        List<ServiceLoader.Provider<ChatModel>> found = ServiceLoader.load(ChatModel.class).stream()
                .filter(p -> wanted.isEmpty()
                        || p.type().getName().equals(wanted)
                        || p.type().getSimpleName().equals(wanted))
                .toList();
        if (found.isEmpty() && !wanted.isEmpty()) {
            throw new IllegalStateException("-Dgrade.model=" + wanted + " names no model in META-INF/services/"
                    + "fivechats.transport.ChatModel of the graded module; it lists "
                    + ServiceLoader.load(ChatModel.class).stream()
                            .map(p -> p.type().getSimpleName())
                            .toList());
        }
        if (found.size() != 1) {
            throw new IllegalStateException(
                    "expected exactly one model in META-INF/services/fivechats.transport.ChatModel"
                            + " of the graded module, found "
                            + found.stream().map(p -> p.type().getName()).toList()
                            + ": list one, or pick one with -Dgrade.model=NAME");
        }
        return found.get(0).get();
    }

    static String name() {
        return create().toString();
    }

    /** -Dgrade.slowClients=evict (default) or stall: what the model promises about a client that stops reading. */
    static SlowClientPolicy slowClientPolicy() {
        return switch (System.getProperty("grade.slowClients", "evict")) {
            case "evict" -> SlowClientPolicy.EVICTED_WITH_1008;
            case "stall" -> SlowClientPolicy.DROPPED_AFTER_WRITE_WAIT;
            default -> throw new IllegalArgumentException("-Dgrade.slowClients must be evict or stall");
        };
    }
}
