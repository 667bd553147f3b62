package fivechats.grader;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What an assignment asks beyond the contract, checked in the model's compiled classes. Run only with
 * {@code -Dgrade.assignment=B}: the contract cannot tell how a correct registry was built, only that it works.
 */
class AssignmentTest {
    @Test
    @DisplayName("B1. assignment B: the registry is swapped with AtomicReference.compareAndSet")
    void registryIsSwappedWithCompareAndSet() throws IOException, URISyntaxException {
        Class<?> model = GradedModel.create().getClass();
        Path classes = Path.of(
                model.getProtectionDomain().getCodeSource().getLocation().toURI());
        String packageFolder = model.getPackageName().replace('.', '/');
        boolean found;
        try (Stream<Path> files =
                Files.isDirectory(classes) ? Files.walk(classes.resolve(packageFolder)) : Stream.empty()) {
            found = files.filter(f -> f.toString().endsWith(".class")).anyMatch(AssignmentTest::callsCompareAndSet);
        }
        assertTrue(
                found,
                "no class in " + model.getPackageName() + " calls AtomicReference.compareAndSet: assignment B swaps"
                        + " the registry's snapshot with compareAndSet in a retry loop"
                        + " (a lock, or a plain set, is not the assignment, even when"
                        + " it passes the contract)");
    }

    /** The class's constant pool names both the method and the class it belongs to. */
    private static boolean callsCompareAndSet(Path classFile) {
        try {
            String bytes = new String(Files.readAllBytes(classFile), StandardCharsets.ISO_8859_1);
            return bytes.contains("compareAndSet") && bytes.contains("java/util/concurrent/atomic/AtomicReference");
        } catch (IOException e) {
            return false;
        }
    }
}
