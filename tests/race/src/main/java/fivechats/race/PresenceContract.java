package fivechats.race;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Section 1 of the contract kit ({@link ChatContract}): welcome, join, leave and echo: who hears what, and the welcome first.
 */
public interface PresenceContract extends ContractFixture {
    @Test
    @DisplayName("1a. a new client's first frame is its welcome, listing everyone online, itself included")
    default void welcomeComesFirstAndListsEveryoneOnline() {
        ChatClient alice = join("alice");
        assertEquals(
                "{\"type\":\"welcome\",\"you\":\"alice\",\"online\":[\"alice\"]}",
                first(alice).toString(),
                "alice's first frame");
        ChatClient bob = join("bob");
        JsonNode welcome = first(bob);
        assertEquals("welcome", welcome.path("type").asText(), "bob's first frame was " + welcome);
        assertEquals("bob", welcome.path("you").asText());
        assertEquals(
                List.of("alice", "bob"),
                sorted(StreamSupport.stream(welcome.path("online").spliterator(), false)
                        .map(JsonNode::asText)
                        .toList()),
                "bob's welcome lists who is online");
    }

    @Test
    @DisplayName("1b. a join reaches everyone already online and not the newcomer; a leave reaches everyone left")
    default void joinAndLeaveReachTheRightClients() {
        ChatClient alice = join("alice");
        ChatClient bob = join("bob");
        await().alias("alice hears bob join").until(() -> alice.count("join") == 1);
        assertEquals("bob", alice.framesOfType("join").get(0).path("name").asText());
        ChatClient carol = join("carol");
        await().alias("alice and bob hear carol join").until(() -> alice.count("join") == 2 && bob.count("join") == 1);
        bob.leave();
        await().alias("alice and carol hear bob leave")
                .until(() -> alice.count("leave") == 1 && carol.count("leave") == 1);
        assertEquals("bob", carol.framesOfType("leave").get(0).path("name").asText());
        assertEquals(0, carol.count("join"), "carol must not get a join for herself: her welcome already lists her");
        assertEquals(List.of("alice", "carol"), onlineAsSeenBy(alice), "alice's view of who is online");
        assertEquals(List.of("alice", "carol"), onlineAsSeenBy(carol), "carol's view of who is online");
    }

    @Test
    @DisplayName("1c. a line reaches every client, the sender included, as a chat frame with seq counting from 1")
    default void lineReachesEveryoneSenderIncluded() {
        ChatClient alice = join("alice");
        ChatClient bob = join("bob");
        alice.send("hi \"bob\" <b>&amp; ☃");
        for (ChatClient c : List.of(alice, bob)) {
            awaitChat(c, "alice", "hi \"bob\" <b>&amp; ☃");
            JsonNode chat = c.framesOfType("chat").get(0);
            assertEquals(1, chat.path("seq").asLong(), c + ": the first line of a sender has seq 1");
        }
        alice.send("second");
        awaitChat(bob, "alice", "second");
        assertEquals(2, bob.framesOfType("chat").get(1).path("seq").asLong(), "the second line has seq 2");
    }

    @Test
    @DisplayName(
            "1d. a client that connects with presence=off gets a welcome listing only itself and every line, but no"
                    + " join or leave")
    default void quietClientHearsLinesButNoPresence() throws Exception {
        ChatClient alice = join("alice");
        ChatClient quiet =
                ChatContract.webSockets.connect(URI.create(server().chatUri("quiet") + "&presence=off"), "quiet");
        track(quiet);
        quiet.awaitWelcome();
        assertEquals(
                "{\"type\":\"welcome\",\"you\":\"quiet\",\"online\":[\"quiet\"]}",
                first(quiet).toString(),
                "quiet's welcome lists only quiet: who else is online is presence too");
        await().alias("alice, who hears presence, hears quiet join").until(() -> alice.count("join") == 1);
        ChatClient bob = join("bob");
        await().alias("alice hears bob join").until(() -> alice.count("join") == 2);
        bob.leave();
        await().alias("alice hears bob leave").until(() -> alice.count("leave") == 1);
        alice.send("after bob");
        awaitChat(quiet, "alice", "after bob"); // the leave was handled before this line, so it would have come first
        assertEquals(
                0,
                quiet.count("join") + quiet.count("leave"),
                "quiet asked for no presence, and got " + quiet.frames());
        try (RawClient raw = RawClient.upgrade(server().port(), "/chat?name=x&presence=maybe", null)) {
            RawClient.Handshake answer = raw.handshake();
            assertEquals(400, answer.status(), "presence=maybe answered " + answer);
            assertTrue(answer.body().contains("presence must be on or off"), "no reason given: " + answer.body());
        }
    }

    /** Clients online (quietly) while newcomers join in test 1e: each welcome lists them all, so building it takes time. */
    int QUIET_CROWD = 300;
    /** The most newcomers test 1e lets join: the bound on "repeat until seen". */
    int NEWCOMERS = 60;

    /*
     * Shown to fail on tests/assignments/mistakes RegistryBeforeWelcome (the newcomer is added, then its welcome is
     * built by listing everyone: a broadcast in between queues a line first). The quiet crowd is the workload that
     * widens that real window: a welcome listing 300 names takes long enough to build that a broadcast meets it.
     */
    @Test
    @DisplayName(
            "1e. under traffic, with 300 online, every newcomer's first frame is still its welcome, and it then hears"
                    + " every line sent after it joined")
    default void welcomeComesFirstUnderTraffic() throws Exception {
        trackAll(Crowd.joinStorm(
                ChatContract.webSockets.client(), server(), 4, QUIET_CROWD / 4, PATIENCE, "quiet", false));
        await().alias("the quiet crowd of " + QUIET_CROWD + " is online")
                .until(() -> server().model().registered() == QUIET_CROWD);
        ChatClient talker = join("talker");
        CountDownLatch stop = new CountDownLatch(1);
        ConcurrentLinkedQueue<Throwable> talkerFailed = new ConcurrentLinkedQueue<>();
        Thread talking = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 1; stop.getCount() > 0 && i <= 20_000; i++) {
                    talker.send("line " + i);
                    talker.awaitChatsFrom(talker.name(), Math.max(0, i - 16), PATIENCE); // never more than 16 ahead
                }
            } catch (Throwable e) {
                talkerFailed.add(e);
            }
        });
        List<ChatClient> newcomers = new ArrayList<>();
        try {
            for (int i = 0; i < NEWCOMERS; i++) {
                ChatClient newcomer = join("newcomer" + i);
                newcomers.add(newcomer);
                if (!"welcome".equals(first(newcomer).path("type").asText())) {
                    break; // seen: no need to go on
                }
            }
        } finally {
            stop.countDown();
            talking.join(PATIENCE);
        }
        assertTrue(
                talkerFailed.isEmpty(),
                () -> "the talker's lines stopped coming back while newcomers joined: "
                        + talkerFailed.peek().getMessage());
        for (ChatClient c : newcomers) {
            assertEquals(
                    "welcome",
                    first(c).path("type").asText(),
                    c + "'s first frame, with lines flying, was " + first(c)
                            + ": a newcomer must be sent its welcome before any broadcast can find it in the registry"
                            + " (queue the welcome, then add the client, in one step)");
            List<Long> seqs = c.framesOfType("chat").stream()
                    .map(f -> f.path("seq").asLong())
                    .toList();
            for (int i = 1; i < seqs.size(); i++) {
                assertEquals(seqs.get(i - 1) + 1, seqs.get(i), c + " missed a line after its first: " + seqs);
            }
        }
    }
}
