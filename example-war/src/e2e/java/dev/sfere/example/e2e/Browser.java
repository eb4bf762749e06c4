package dev.sfere.example.e2e;

import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * One person in the lobby: Debian's headless Chromium with a fresh profile, driven through Debian's chromedriver.
 * Nothing is downloaded: both paths are given, so Selenium Manager is never asked for a driver or a browser.
 */
final class Browser implements AutoCloseable {

    /**
     * Selenium looks for DevTools bindings matching the browser's version and warns when it has none. The tests use
     * WebDriver only, so the warning is noise. Held here so that the setting is not collected with the logger.
     */
    private static final Logger CDP_FINDER = quiet("org.openqa.selenium.devtools.CdpVersionFinder");
    private static final Logger CHROMIUM_DRIVER = quiet("org.openqa.selenium.chromium.ChromiumDriver");

    private final ChromeDriver driver;
    private final Path profile;
    private boolean closed;

    Browser(String who) throws IOException {
        profile = Files.createTempDirectory("e2e-chromium-" + who + "-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(E2eSettings.path("e2e.chromium").toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=1100,700");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(E2eSettings.path("e2e.chromedriver").toFile())
                .usingAnyFreePort()
                .withLogFile(E2eSettings.out().resolve("chromedriver-" + who + ".log").toFile())
                .build();
        driver = new ChromeDriver(service, options);
    }

    /** Opens a page, without joining. */
    void open(URI page) {
        driver.get(page.toString());
    }

    /** Opens the lobby page and joins under a name; returns once the name is in the participants list. */
    void join(URI base, String name) {
        driver.get(base.toString());
        WebElement field = driver.findElement(By.id("name"));
        field.clear();
        field.sendKeys(name);
        driver.findElement(By.id("join")).click();
        awaitParticipant(name, Duration.ofSeconds(20));
    }

    void awaitParticipant(String name, Duration timeout) {
        new WebDriverWait(driver, timeout).until(ExpectedConditions.presenceOfElementLocated(participant(name)));
    }

    /** Sends a message to everyone, or, with {@code to}, to that one person (chosen by clicking the name). */
    void say(String text, String to) {
        if (to != null) {
            driver.findElement(participant(to)).click();
        }
        WebElement field = driver.findElement(By.id("text"));
        field.sendKeys(text);
        driver.findElement(By.id("send")).click();
    }

    /** Waits until an entry of the chat log of a kind contains a text; returns the entry's text. */
    String awaitLog(String kind, String contains, Duration timeout) {
        By entry = By.xpath("//ol[@id='log']/li[contains(@class,'" + kind + "') and contains(., " + xpathText(contains)
                + ")]");
        return new WebDriverWait(driver, timeout).until(ExpectedConditions.presenceOfElementLocated(entry)).getText();
    }

    /** Clicks the element with this id. */
    void click(String id) {
        driver.findElement(By.id(id)).click();
    }

    /** Waits until the join screen is shown with a note that contains a text; returns the note. */
    String awaitJoinNote(String contains, Duration timeout) {
        By note = By.xpath("//*[@id='join-note' and contains(., " + xpathText(contains) + ")]");
        return new WebDriverWait(driver, timeout).until(ExpectedConditions.visibilityOfElementLocated(note)).getText();
    }

    /** The handle of the tab the browser is driving now. */
    String tab() {
        return driver.getWindowHandle();
    }

    /** Opens a new tab in the same browser (same profile, same cookies) and drives it; returns its handle. */
    String newTab() {
        return driver.switchTo().newWindow(WindowType.TAB).getWindowHandle();
    }

    /** Drives the tab with this handle from now on. */
    void switchTo(String tab) {
        driver.switchTo().window(tab);
    }

    String logText() {
        return driver.findElement(By.id("log")).getText();
    }

    /** Runs a script in the current page; the result as WebDriver converts it (a JS array becomes a List). */
    Object script(String script, Object... args) {
        return driver.executeScript(script, args);
    }

    void screenshot(Path file) throws IOException {
        Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
    }

    private static Logger quiet(String name) {
        Logger logger = Logger.getLogger(name);
        logger.setLevel(Level.SEVERE);
        return logger;
    }

    private static By participant(String name) {
        return By.cssSelector("#participants li[data-user='" + name + "']");
    }

    private static String xpathText(String text) {
        return text.contains("'") ? "\"" + text + "\"" : "'" + text + "'";
    }

    /** Closes the browser, and with it the page's stream, as closing the last tab does. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            driver.quit();
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }
}
