package fivechats.mistakes;

import java.util.HashMap;

/**
 * MISTAKE: a plain HashMap for the registry. "Joins and leaves are under a lock." They are; broadcasts are not, and a
 * broadcast that walks the map while a join resizes it throws ConcurrentModificationException (the reader dies) or
 * sees a half-moved table.
 *
 * <p>Breaks: the registry. Caught by: the join storm (R3), and often by the churn test.
 */
public final class HashMapRegistry extends Honest {
    public HashMapRegistry() {
        super(new HashMap<>());
    }
}
