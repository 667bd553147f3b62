/**
 * The Java Memory Model in three small tests, one idea each, before any model uses it (tutorial chapter 4):
 * {@link fivechats.jmm.Visibility_01_StopFlag} (a plain field may never be seen to change; {@code volatile} is),
 * {@link fivechats.jmm.HappensBefore_01_StoreBuffer} (two threads can each miss the other's write; {@code volatile}
 * orders them), and {@link fivechats.jmm.Atomicity_01_Counter} ({@code volatile} makes a write visible, not a
 * read-modify-write atomic). Each keeps its broken form beside its fixed one.
 */
package fivechats.jmm;
