package fivechats.race;

import fivechats.race.VerdictTable.Churn;
import fivechats.race.VerdictTable.Writes;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * The chapters' exercises whose check is a verdict scenario. Run as {@code -Dfivechats.exercise=8.1}, the scenarios
 * expect what a <b>right answer</b> does, instead of what the committed code does: a right answer passes, and a wrong
 * one fails with a sentence that names what is still broken. (Without the property, a repaired naive form fails as
 * "you fixed it" and an unrepaired one passes: the right colours for the table, the wrong ones for a learner.)
 *
 * <p>Each exercise keeps a right answer and the commonest wrong one as fixtures in {@code src/test/resources/exercises/}
 * ({@code 8.1-right.txt}, {@code 8.1-wrong.txt}); {@code VerdictScenariosTest.ExerciseFixtures} applies each to a copy
 * of the model's source, compiles and runs it, so a check that stops telling right from wrong fails the build.
 *
 * @param id        the chapter and exercise number, as the chapter prints it
 * @param row       the row of {@link VerdictTable} the exercise changes
 * @param expected  each scenario that checks it, and the verdict a right answer gives
 * @param wrong     each scenario, and what a verdict other than the expected one means: what is still broken
 * @param right     what a right answer showed, printed when it passes
 */
record Exercise(String id, String row, Map<String, Enum<?>> expected, Map<String, String> wrong, String right) {

    static final Exercise[] ALL = {
        new Exercise(
                "8.1",
                "mutex-map naive",
                Map.of("registry under churn", Churn.OK, "concurrent writes", Writes.OVERLAP),
                Map.of(
                        "registry under churn",
                        "not yet: the chat still freezes (DEADLOCK). A reader still asks for the"
                                + " write lock while it holds the read lock: remove the dead only after"
                                + " lock.readLock().unlock() has run, not after the loop inside the try.",
                        "concurrent writes",
                        "the overlap is gone too (SAFE): your change made broadcasts exclusive"
                                + " (a write lock, or synchronized?). That is exercise 2's question; this one keeps the"
                                + " shared read lock and moves only the removal."),
                "right: the deadlock is gone (the chat goes on after a client dies mid-broadcast), and two broadcasts"
                        + " under the shared read lock still overlap on one connection: the lock was never what kept"
                        + " writes apart."),
        new Exercise(
                "9.1",
                "thread-per-connection fixed",
                Map.of("concurrent writes", Writes.OVERLAP),
                Map.of(
                        "concurrent writes",
                        "not yet: no write overlapped (SAFE). Every line still goes through each client's outbox,"
                                + " whose one writer is the only thread that writes: make the fixed broadcast call"
                                + " client.connection().write(line) instead of offer."),
                "right: the readers now write to each other's connections, so two of them met on one connection and"
                        + " the transport refused the second (a lost line). The contract kit and jcstress's Overlap_01"
                        + " see it too.")
    };

    /** The exercise named by {@code -Dfivechats.exercise}, if any; an unknown name is an error that lists the known. */
    static Optional<Exercise> chosen() {
        String id = System.getProperty("fivechats.exercise", "");
        if (id.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(Arrays.stream(ALL)
                .filter(e -> e.id.equals(id))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("-Dfivechats.exercise=" + id
                        + ": no such exercise checked by the verdict" + " scenarios; these are: "
                        + Arrays.stream(ALL).map(Exercise::id).toList())));
    }

    static Exercise byId(String id) {
        return Arrays.stream(ALL).filter(e -> e.id.equals(id)).findFirst().orElseThrow();
    }

    /** Whether this exercise is checked by the given scenario of the given row. */
    boolean checks(VerdictTable.Row row, String scenario) {
        return this.row.equals(row.id()) && expected.containsKey(scenario);
    }
}
