package dev.logquery.coordinator.ui;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's {@code chromium} and {@code chromium-driver} for the browser tests: found at {@code /usr/bin/chromium}
 * and {@code /usr/bin/chromedriver}, and installed with {@code apt-get} when missing (as root; {@code apt-get
 * update} only when the install fails without it), each step bounded in time. A machine where that cannot be done
 * (not root, no network) fails the tests with a message saying what to install.
 */
final class Chromium {

    static final Path BROWSER = Path.of(System.getProperty("logquery.chromium", "/usr/bin/chromium"));
    static final Path DRIVER = Path.of(System.getProperty("logquery.chromedriver", "/usr/bin/chromedriver"));
    static final Duration APT_TIMEOUT = Duration.ofMinutes(10);
    static final String INSTALL = "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends"
            + " chromium chromium-driver";

    private Chromium() {
    }

    static boolean present() {
        return Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER);
    }

    /** Makes sure both are there, installing them if needed. */
    static synchronized void ensureInstalled() throws Exception {
        if (present()) {
            return;
        }
        if (!"root".equals(System.getProperty("user.name")) || !Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
            throw new IllegalStateException("the browser tests need " + BROWSER + " and " + DRIVER + ", which are"
                    + " missing, and this user cannot install them (not root, or no apt-get): run `sudo " + INSTALL
                    + "`");
        }
        String first = run(List.of("apt-get", "install", "-y", "--no-install-recommends", "chromium",
                "chromium-driver"));
        if (first != null) {
            String update = run(List.of("apt-get", "update"));
            String second = update != null ? update : run(List.of("apt-get", "install", "-y",
                    "--no-install-recommends", "chromium", "chromium-driver"));
            if (second != null) {
                throw new IllegalStateException("could not install chromium and chromium-driver (" + INSTALL
                        + "): " + second + "; first attempt: " + first);
            }
        }
        if (!present()) {
            throw new IllegalStateException("apt-get installed chromium and chromium-driver, yet " + BROWSER + " or "
                    + DRIVER + " is missing");
        }
    }

    /** Runs a command bounded by {@link #APT_TIMEOUT}; null when it succeeded, else what went wrong. */
    private static String run(List<String> command) throws IOException, InterruptedException {
        File log = File.createTempFile("apt-", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log);
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process p = pb.start();
        try {
            if (!p.waitFor(APT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return String.join(" ", command) + " did not finish within " + APT_TIMEOUT.toMinutes() + " min";
            }
            if (p.exitValue() != 0) {
                List<String> lines = Files.readAllLines(log.toPath(), StandardCharsets.UTF_8);
                return String.join(" ", command) + " exited with " + p.exitValue() + ": "
                        + String.join(" / ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
            }
            return null;
        } finally {
            Files.deleteIfExists(log.toPath());
        }
    }

    /**
     * A headless Chromium with a new empty profile in {@code profile}, and the flags that keep it from reaching
     * out to the network (on a closed network it would stall without them).
     */
    static ChromeDriver start(Path profile, int width, int height) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        List<String> args = new ArrayList<>(List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile.toAbsolutePath(),
                "--window-size=" + width + "," + height, "--lang=en-US"));
        options.addArguments(args);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort()
                .withTimeout(Duration.ofSeconds(60))
                // a zone other than UTC, so that local times and their UTC titles differ as they would for most users
                .withEnvironment(java.util.Map.of("TZ", System.getProperty("logquery.ui.tz", "Europe/Berlin")))
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
        return driver;
    }
}
