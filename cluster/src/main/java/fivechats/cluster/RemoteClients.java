package fivechats.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who is online on the other servers, as this server has heard: instance, then connection, then name. Joins and leaves
 * are idempotent (a join heard twice, from the start-up snapshot and from the bus, is one join), which is what makes
 * the snapshot and the bus safe to overlap. Written by the bus's receiving thread and the heartbeat; read by welcomes.
 */
final class RemoteClients {
    private final Map<String, Map<Long, String>> byInstance = new ConcurrentHashMap<>();

    /** True if this client was not known yet. */
    boolean join(String instance, long conn, String name) {
        return byInstance
                        .computeIfAbsent(instance, i -> new ConcurrentHashMap<>())
                        .putIfAbsent(conn, name)
                == null;
    }

    /** The client's name, or null if it was not known (a leave heard twice). */
    String leave(String instance, long conn) {
        Map<Long, String> clients = byInstance.get(instance);
        return clients == null ? null : clients.remove(conn);
    }

    /** Forgets a whole server and returns the names of its clients, to announce as left. */
    List<String> forget(String instance) {
        Map<Long, String> clients = byInstance.remove(instance);
        return clients == null ? List.of() : new ArrayList<>(clients.values());
    }

    Set<String> instances() {
        return Set.copyOf(byInstance.keySet());
    }

    List<String> names() {
        List<String> names = new ArrayList<>();
        byInstance.values().forEach(clients -> names.addAll(clients.values()));
        return names;
    }

    int size() {
        return byInstance.values().stream().mapToInt(Map::size).sum();
    }
}
