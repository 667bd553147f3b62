package fivechats.interleavings;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lincheck's interleaving, retold as numbered steps. Lincheck's detailed trace is a table with a column per thread
 * (the explorer's own thread first) and a row per event: a call with its result, a field read ({@code ➜}) or write
 * ({@code =}), a switch to another thread; each event says where in the source it happened. This keeps the actors'
 * threads, names each after its actor, starts each at the actor's call, and keeps the events that happen in this
 * repository's code: a call into the JDK is one step ({@code clients.put(2, RecordingConnection#1): null}), and what HashMap does inside
 * it is left out, except the step where a thread stopped or resumed. What is left reads as a story:
 * <pre>
 *    8. alice |         writing.compareAndSet(false, true): true
 *    9. alice |         written.add("alice's line"): true
 *       alice |           ... size ➜ 0   (in ArrayList.add)
 *             |   -- switch --
 *   10. bob   | s.bob()
 * </pre>
 */
final class Trace {
    /** Calls nested deeper than this are told by their caller, except where a switch comes or a call threw. */
    static final int DEPTH = 5;

    private static final Pattern WHERE = Pattern.compile(" at ([\\w$.<>]+)\\(([\\w$]+\\.java):(\\d+)\\)(?: \\[.*])?$");
    private static final Pattern SWITCH = Pattern.compile("^switch(?: \\(reason: (.*)\\))?$");
    /** A loop's bookkeeping and an iterator's, which say nothing a learner needs: the steps inside them stay. */
    private static final Pattern MACHINERY = Pattern.compile(
            "^(loop\\(.*|<iterations? .*>|\\S+\\.(hasNext|next|iterator)\\(\\).*" + "|Object\\.<init>\\(\\).*)$");

    private Trace() {}

    /**
     * @param lincheck the message of Lincheck's failure
     * @param ours     whether a source file (such as {@code ThreadPerConnection.java}) is this repository's
     * @param lambdas  the file whose lambdas call the actors: a thread's first step in it is its actor
     * @return the steps, or Lincheck's message unchanged if it holds no detailed trace
     */
    static String steps(String lincheck, Predicate<String> ours, String lambdas) {
        List<String> lines = lincheck.lines().toList();
        int start = lines.indexOf("Detailed trace:");
        if (start < 0 || start + 3 >= lines.size()) {
            return lincheck;
        }
        List<Integer> bars = new ArrayList<>();
        String header = lines.get(start + 2);
        for (int i = 0; i < header.length(); i++) {
            if (header.charAt(i) == '|') {
                bars.add(i);
            }
        }
        Map<Integer, Column> columns = new HashMap<>();
        List<Step> steps = new ArrayList<>();
        int previous = -1;
        for (int i = start + 4; i < lines.size() && !lines.get(i).startsWith("| ---"); i++) {
            String row = lines.get(i);
            for (int c = 1; c + 1 < bars.size() && bars.get(c + 1) <= row.length(); c++) { // column 0: the explorer's
                String cell = row.substring(bars.get(c) + 1, bars.get(c + 1)).stripTrailing();
                if (!cell.isBlank()) {
                    Step step = columns.computeIfAbsent(c, k -> new Column(lambdas))
                            .take(cell.substring(1), ours, c != previous);
                    if (step != null) {
                        steps.add(step.in(columns.get(c)));
                    }
                    previous = c;
                }
            }
        }
        Map<String, String> threadNames = new HashMap<>();
        columns.forEach((c, column) -> threadNames.put(
                header.substring(bars.get(c) + 1, bars.get(c + 1)).strip(), column.actor));
        int width = columns.values().stream()
                .mapToInt(column -> column.actor.length())
                .max()
                .orElse(0);
        StringBuilder out = new StringBuilder();
        int number = 0;
        // A thread spinning on a lock it cannot get switches out and back with the same steps, again and again: each
        // is told once, then "and again".
        Set<String> toldSinceLastStep = new HashSet<>();
        boolean repeating = false;
        for (Step s : steps) {
            if (s.depth() >= 0 && s.switchReason() == null) {
                toldSinceLastStep.clear();
                repeating = false;
            } else if (!toldSinceLastStep.add(s.column().actor + "|" + s.text() + "|" + s.switchReason())) {
                if (!repeating) {
                    out.append(String.format(
                            "%6s%-" + width + "s |   ... and the same steps again, in turn, for as long"
                                    + " as the explorer lets them run\n",
                            "",
                            ""));
                    repeating = true;
                }
                continue;
            }
            if (s.switchReason() != null) {
                if (s.text() != null) { // the switch came inside a call into the JDK: say after which of its steps
                    out.append(String.format("%6s%-" + width + "s | ", "", s.column().actor))
                            .append(s.text())
                            .append('\n');
                }
                String reason = s.switchReason();
                for (var name : threadNames.entrySet()) {
                    reason = reason.replace(name.getKey(), name.getValue());
                }
                out.append(" ".repeat(6 + width))
                        .append(" |   -- switch")
                        .append(reason.isEmpty() ? "" : ": " + reason)
                        .append(" --\n");
            } else if (s.depth() < 0) { // a step inside the JDK, where a thread resumed
                out.append(String.format("%6s%-" + width + "s | ", "", s.column().actor))
                        .append(s.text())
                        .append('\n');
            } else {
                out.append(String.format("%4d. %-" + width + "s | ", ++number, s.column().actor))
                        .append("  ".repeat(s.depth()))
                        .append(s.text())
                        .append('\n');
            }
        }
        return out.toString().stripTrailing();
    }

    /** One thread's column: where its actor starts, and which of the open calls are shown. */
    private static final class Column {
        final String lambdas;
        String actor = "?";
        int actorDepth = -1;
        final Deque<int[]> open = new ArrayDeque<>(); // {depth in Lincheck's table, 1 if shown}
        String lastHidden; // the last event left out since the last one shown: where a switch came, if one comes

        Column(String lambdas) {
            this.lambdas = lambdas;
        }

        /**
         * The step this cell shows, or null if it shows none. A step left out is still shown where the thread resumes
         * ({@code resumed}) inside a call into the JDK: the learner sees what it did there after the other thread.
         */
        Step take(String cell, Predicate<String> ours, boolean resumed) {
            int depth = (cell.length() - cell.stripLeading().length()) / 2;
            String text = cell.strip();
            Matcher where = WHERE.matcher(text);
            String file = where.find() ? where.group(2) : null;
            text = file == null ? text : text.substring(0, where.start());
            Matcher isSwitch = SWITCH.matcher(text);
            if (isSwitch.matches()) {
                return actorDepth < 0
                        ? null
                        : new Step(null, 0, lastHidden, isSwitch.group(1) == null ? "" : isSwitch.group(1));
            }
            if (actorDepth < 0) { // before the actor: the explorer's own calls
                if (file == null || !file.equals(lambdas)) {
                    return null;
                }
                actorDepth = depth;
                actor = text.replaceFirst("^\\w+\\.", "").replaceFirst("\\(.*", "");
            }
            while (!open.isEmpty() && open.peek()[0] >= depth) {
                open.pop();
            }
            int shownDepth = (int) open.stream().filter(o -> o[1] == 1).count();
            boolean shown = file != null
                    && ours.test(file)
                    && !MACHINERY.matcher(text).matches()
                    && !where.group(1).endsWith(".<init>") // what a constructor does inside is not a step
                    && (shownDepth <= DEPTH || text.contains(": threw ")); // a refused write is the break
            open.push(new int[] {depth, shown ? 1 : 0});
            if (!shown) {
                boolean note = file != null && !MACHINERY.matcher(text).matches();
                String said = "  ".repeat(shownDepth) + "... " + text + "   (in " + (file == null ? "" : where.group(1))
                        + ")";
                if (note && resumed && actorDepth < depth) {
                    lastHidden = null;
                    return new Step(null, -1, said, null);
                }
                lastHidden = note ? said : lastHidden;
                return null;
            }
            lastHidden = null;
            return new Step(null, shownDepth, text, null);
        }
    }

    private record Step(Column column, int depth, String text, String switchReason) {
        Step in(Column c) {
            return new Step(c, depth, text, switchReason);
        }
    }
}
