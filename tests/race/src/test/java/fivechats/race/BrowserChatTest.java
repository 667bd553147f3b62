package fivechats.race;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import fivechats.transport.ChatServer;
import fivechats.transport.TransportConfig;
import java.io.File;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The browser page in a real headless Chromium (Debian's chromium and chromium-driver), on every fixed model:
 * two browsers join, see each other in the online list, chat, see markup shown as text, see a leave, and
 * reconnect after the server restarts. Skipped with a message where chromium is not installed, except in CI (the {@code CI}
 * environment variable or {@code -Dfivechats.requireBrowser=true}), where a missing browser fails.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BrowserChatTest {
    private static final File CHROMIUM = new File("/usr/bin/chromium");
    private static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private ChatServer server;
    private final List<WebDriver> browsers = new ArrayList<>();

    /** Every fixed model: the ones the contract kit runs. */
    static Stream<VerdictTable.Row> fixedModels() {
        return VerdictTable.ROWS.stream().filter(r -> r.contract() != null);
    }

    @BeforeEach
    void checkBrowser() {
        boolean required = System.getenv("CI") != null || Boolean.getBoolean("fivechats.requireBrowser");
        boolean installed = CHROMIUM.canExecute() && CHROMEDRIVER.canExecute();
        if (required) {
            assertTrue(installed, "the browser test needs /usr/bin/chromium and /usr/bin/chromedriver:"
                    + " apt-get install chromium chromium-driver");
        }
        Assumptions.assumeTrue(installed, "chromium not installed (apt-get install chromium chromium-driver): browser test skipped");
    }

    @AfterEach
    void stop() {
        browsers.forEach(WebDriver::quit);
        if (server != null) {
            server.shutdown();
        }
    }

    private WebDriver browser() throws Exception {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        // As root on a closed network: no sandbox, and none of Chromium's background calls home.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + Files.createTempDirectory("five-chats-chromium"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER).build();
        WebDriver driver = new ChromeDriver(service, options);
        browsers.add(driver);
        return driver;
    }

    private static WebDriverWait waitIn(WebDriver browser) {
        return new WebDriverWait(browser, PATIENCE);
    }

    private WebDriver joinAs(String name) throws Exception {
        WebDriver browser = browser();
        browser.get(server.httpUri().toString());
        browser.findElement(By.id("name")).sendKeys(name);
        browser.findElement(By.cssSelector("#join-form button")).click();
        waitIn(browser).until(ExpectedConditions.textToBe(By.id("status"), "connected as " + name));
        return browser;
    }

    private static void say(WebDriver browser, String text) {
        browser.findElement(By.id("message")).sendKeys(text);
        browser.findElement(By.cssSelector("#send-form button")).click();
    }

    private static List<String> online(WebDriver browser) {
        return browser.findElements(By.cssSelector("#online li")).stream().map(WebElement::getText).toList();
    }

    private static void awaitLine(WebDriver browser, String from, String text) {
        waitIn(browser).withMessage(() -> "no line '" + text + "' from " + from + " in " + logOf(browser))
                .until(b -> b.findElements(By.cssSelector("#log p.chat")).stream().anyMatch(p ->
                        p.findElement(By.className("from")).getText().equals(from)
                                && p.findElement(By.className("text")).getText().equals(text)));
    }

    private static String logOf(WebDriver browser) {
        return browser.findElement(By.id("log")).getText();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixedModels")
    @DisplayName("two browsers chat: online list, lines both ways, markup shown as text, leave, reconnect")
    void twoBrowsersChat(VerdictTable.Row model) throws Exception {
        server = ChatServer.newServer(TransportConfig.defaults().withPort(0), model.factory().get()).start();
        WebDriver alice = joinAs("alice");
        assertEquals(List.of("alice (you)"), online(alice));
        WebDriver bob = joinAs("bob");
        waitIn(alice).until(b -> online(b).equals(List.of("alice (you)", "bob")));
        assertEquals(List.of("alice", "bob (you)"), online(bob), "bob's online list");
        assertTrue(logOf(alice).contains("bob joined"), "alice's log: " + logOf(alice));

        say(bob, "hello <b>alice</b> & co");
        awaitLine(alice, "bob", "hello <b>alice</b> & co");
        awaitLine(bob, "bob", "hello <b>alice</b> & co");
        assertTrue(alice.findElements(By.cssSelector("#log b")).isEmpty(), "a chat line was rendered as HTML");

        say(alice, "hi bob");
        awaitLine(bob, "alice", "hi bob");

        bob.quit();
        browsers.remove(bob);
        waitIn(alice).until(b -> online(b).equals(List.of("alice (you)")));
        assertTrue(logOf(alice).contains("bob left"), "alice's log: " + logOf(alice));

        // The server goes away and comes back on the same port: the page says so and reconnects by itself.
        int port = server.port();
        server.shutdown();
        waitIn(alice).until(b -> logOf(b).contains("disconnected (1001 server shutting down)"));
        server = ChatServer.newServer(TransportConfig.defaults().withPort(port), model.factory().get()).start();
        waitIn(alice).until(ExpectedConditions.textToBe(By.id("status"), "connected as alice"));
        say(alice, "back again");
        awaitLine(alice, "alice", "back again");
    }
}
