package dev.tollgate.ui;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium, driven through the {@code chromedriver} on {@code PATH} (the two come
 * from one source package, so they match). Selenium is given both paths, so Selenium Manager never
 * runs and nothing is fetched from the network.
 *
 * <p>When either is missing the tests fail with how to install them; they are skipped only when
 * {@value #SKIP} is {@code true}, so that a machine without a browser cannot pass them silently.
 */
final class Browser {
  /** Skips the browser tests when {@code true}: for machines where Chromium cannot be installed. */
  static final String SKIP = "TOLLGATE_SKIP_BROWSER_TESTS";

  static final Path SCREENSHOTS = Path.of("target", "ui-screenshots");

  private Browser() {}

  /** A new headless Chromium; quit it when done. */
  static ChromeDriver start() {
    Assumptions.assumeFalse(
        "true".equalsIgnoreCase(System.getenv(SKIP)), SKIP + "=true: browser tests skipped");
    Path driver = onPath("chromedriver").orElseThrow(Browser::missing);
    Path chromium =
        onPath("chromium").or(() -> onPath("chromium-browser")).orElseThrow(Browser::missing);
    // Belt and braces: even if some path asked it, Selenium Manager must not download anything.
    System.setProperty("SE_OFFLINE", "true");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(driver.toFile())
            .usingAnyFreePort()
            .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox", // the tests run as root in CI, where Chromium's sandbox refuses to start
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,900");
    return new ChromeDriver(service, options);
  }

  /** Waits for htmx to swap in a page; the bound only ends a test that would otherwise hang. */
  static WebDriverWait waiting(ChromeDriver driver) {
    return new WebDriverWait(driver, Duration.ofSeconds(30));
  }

  /** Saves what the browser shows as {@code target/ui-screenshots/<name>.png}. */
  static void screenshot(ChromeDriver driver, String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      File png = driver.getScreenshotAs(OutputType.FILE);
      Files.copy(
          png.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  private static IllegalStateException missing() {
    return new IllegalStateException(
        "the browser tests need Debian's chromium and chromedriver on PATH: install them with"
            + " `sudo apt-get install -y chromium chromium-driver` (./test.sh does this when run"
            + " as root), or set "
            + SKIP
            + "=true to skip these tests");
  }
}
