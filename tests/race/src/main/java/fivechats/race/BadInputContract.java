package fivechats.race;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Section 4 of the contract kit ({@link ChatContract}): bad input: a clear error, and nothing else lost. A bad name or a
 * foreign origin is refused at the upgrade, before any model hears of the client: that is the transport's promise, and
 * {@code TransportTest} holds it.
 */
public interface BadInputContract extends ContractFixture {
    @Test
    @DisplayName("4c. a line over the size limit is closed with 1009; others keep chatting")
    default void oversizedLineIsClosedWith1009() throws Exception {
        ChatClient bystander = join("bystander");
        try (RawClient raw = RawClient.upgrade(server().port(), "/chat?name=big", null)) {
            raw.sendFrame(
                    RawClient.TEXT,
                    "x".repeat(server().config().maxMessageBytes() + 1).getBytes(StandardCharsets.UTF_8),
                    true);
            assertEquals(1009, raw.awaitCloseCode(PATIENCE), "close code for an oversized line");
        }
        await().alias("bystander hears 'big' leave").until(() -> bystander.count("leave") == 1);
        assertOthersStillChat("an oversized line");
    }

    @Test
    @DisplayName("4d. a binary frame is closed with 1003; others keep chatting")
    default void binaryFrameIsClosedWith1003() throws Exception {
        ChatClient bystander = join("bystander");
        try (RawClient raw = RawClient.upgrade(server().port(), "/chat?name=binary", null)) {
            raw.sendFrame(RawClient.BINARY, new byte[] {1, 2, 3}, true);
            assertEquals(1003, raw.awaitCloseCode(PATIENCE), "close code for a binary frame");
        }
        await().alias("bystander hears 'binary' leave").until(() -> bystander.count("leave") == 1);
        assertOthersStillChat("a binary frame");
    }

    @Test
    @DisplayName("4e. invalid UTF-8 is closed with 1007; others keep chatting")
    default void invalidUtf8IsClosedWith1007() throws Exception {
        ChatClient bystander = join("bystander");
        try (RawClient raw = RawClient.upgrade(server().port(), "/chat?name=garbled", null)) {
            raw.sendFrame(RawClient.TEXT, new byte[] {'h', 'i', (byte) 0xC3, (byte) 0x28}, true);
            assertEquals(1007, raw.awaitCloseCode(PATIENCE), "close code for invalid UTF-8");
        }
        await().alias("bystander hears 'garbled' leave").until(() -> bystander.count("leave") == 1);
        assertEquals(0, bystander.count("chat"), "the invalid line must not be delivered: " + bystander.frames());
        assertOthersStillChat("invalid UTF-8");
    }

    @Test
    @DisplayName("4f. a client that vanishes in the middle of a frame is cleaned up; others keep chatting")
    default void clientVanishingMidFrameIsCleanedUp() throws Exception {
        ChatClient bystander = join("bystander");
        RawClient raw = RawClient.upgrade(server().port(), "/chat?name=halfway", null);
        await().until(() -> server().model().registered() == 2);
        raw.sendHalfAFrame("this line never finishes");
        raw.vanish();
        await().alias("bystander hears 'halfway' leave").until(() -> bystander.count("leave") == 1);
        await().alias("the transport drops the connection").until(() -> server().openConnections() == 1);
        assertEquals(0, bystander.count("chat"), "half a line must never be delivered: " + bystander.frames());
        assertOthersStillChat("a vanished client");
    }
}
