package fivechats.grader;

import java.util.List;

/**
 * The causes a failure can have, in the order a student should fix them: the basics first (they fail without any
 * concurrency), then the concurrency causes, each of which can produce the symptoms of the later ones (two writers
 * on one connection lose lines, and lost presence lines look like wrong presence), never the other way round. Each test belongs to one cause, named by the label its display name starts
 * with ("R1.", "3b.").
 */
enum Cause {
    BASICS(
            "the basics, one thing at a time",
            "A client is welcomed first, hears joins, leaves and every line; all of this before any concurrency.",
            "1a.",
            "1b.",
            "1c.",
            "1d."),
    INTERLEAVINGS(
            "your scenarios, explored",
            "Your jcstress scenarios state what two threads may never do to your model's core; no interleaving of their"
                    + " actors may reach an outcome they forbid.",
            "I1."),
    CONCURRENT_WRITE(
            "one writer per connection",
            "At most one thread may write to a connection at a time; two at once lose frames or interleave them.",
            "R1."),
    REGISTRY(
            "the registry",
            "The map of clients is shared by every thread that joins, leaves or broadcasts: it must stay whole.",
            "R3."),
    LOST_LINES(
            "every line, once, in order",
            "Under concurrent senders, every line reaches every client exactly once, and one sender's lines arrive in"
                    + " the order sent.",
            "2.",
            "R2."),
    PRESENCE(
            "presence",
            "A newcomer's welcome comes first; joins and leaves reach everyone once, so every view of who is online is"
                    + " right.",
            "1e.",
            "3.",
            "3b."),
    LEAKS("no leaks", "When clients leave, their threads, queues and registry entries go with them.", "8."),
    SLOW_CLIENTS(
            "slow clients",
            "A client that stops reading is closed or waited for as promised, never silently skipped, never holds up"
                    + " the others, and once evicted is heard no more.",
            "5.",
            "5b.",
            "5c.",
            "5d.",
            "5e.",
            "5f."),
    BAD_INPUT("bad input", "Bad input gets a clear error for that client only.", "4c.", "4d.", "4e.", "4f."),
    HEARTBEATS(
            "heartbeats",
            "A vanished client is cleaned up; a live one stays, even when the model is slow to take its lines.",
            "6a.",
            "6b.",
            "6c.",
            "6d."),
    SHUTDOWN(
            "shutdown",
            "Shutdown delivers what the model took, closes every client with 1001, and ends every model thread in"
                    + " time.",
            "7.",
            "7b."),
    ASSIGNMENT(
            "the assignment's own rules",
            "The assignment asks for a particular design; the contract alone cannot see it.",
            "B1."),
    OTHER("other tests", "Tests an instructor added.");

    final String title;
    final String invariant;
    private final List<String> labels;

    Cause(String title, String invariant, String... labels) {
        this.title = title;
        this.invariant = invariant;
        this.labels = List.of(labels);
    }

    /** The cause a test belongs to, from the label its display name starts with. */
    static Cause of(String displayName) {
        String label = displayName.split(" ", 2)[0];
        for (Cause cause : values()) {
            if (cause.labels.contains(label)) {
                return cause;
            }
        }
        return OTHER;
    }
}
