package fivechats.starter;

import fivechats.transport.Launcher;

/** Starts the starter model like any other: {@code mvn -q -pl tests/assignments/starter -am package exec:exec@run -DskipTests}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        Launcher.run("starter", "", args, flags -> new StarterModel());
    }
}
