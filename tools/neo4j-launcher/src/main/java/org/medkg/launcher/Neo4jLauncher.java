package org.medkg.launcher;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.io.ByteUnit;

/**
 * Runs an embedded Neo4j Community server (5.26 LTS) with a Bolt connector bound to
 * 127.0.0.1 and authentication enabled.
 *
 * <p>Usage: {@code Neo4jLauncher --home DIR [--port 7687] [--pagecache 256m]}. The
 * password of the {@code neo4j} user is read only from the environment variable
 * {@code NEO4J_PASSWORD}; the launcher refuses to start (exit code 2) without it, or when it is
 * shorter than Neo4j's minimum of 8 characters. It becomes the password of {@code neo4j}
 * (set through the system database), also on an existing home created with another one.
 *
 * <p>Exit codes: 0 after a clean shutdown, 1 start-up failure (message last on stderr),
 * 2 usage / missing password, 3 another launcher already holds the home; SIGTERM gives 143.
 *
 * <p>Files written under the home directory (Neo4j's own {@code data/} and {@code logs/} aside):
 * <ul>
 *   <li>{@code launcher.lock}: locked while a launcher runs on this home;</li>
 *   <li>{@code neo4j.pid}: pid of this JVM, written at start, removed at clean shutdown;</li>
 *   <li>{@code ready}: written once Bolt accepts a login with the password (contains
 *       {@code pid=}, {@code port=} and {@code address=} lines), removed at shutdown.</li>
 * </ul>
 * SIGTERM (or SIGINT) triggers a clean shutdown through a JVM shutdown hook.
 */
public final class Neo4jLauncher {

    static final String LISTEN_ADDRESS = "127.0.0.1";
    static final String USER = "neo4j";
    static final int EXIT_USAGE = 2;
    /** Neo4j's default dbms.security.auth_minimum_password_length. */
    static final int MIN_PASSWORD_LENGTH = 8;
    static final int EXIT_STARTUP_FAILED = 1;
    static final int EXIT_ALREADY_RUNNING = 3;

    /** Kept strongly reachable so that the channel (and the lock) is never reclaimed. */
    private static FileLock homeLock;

    private Neo4jLauncher() {
    }

    public static void main(String[] args) {
        Map<String, String> opts;
        try {
            opts = parseArgs(args);
        } catch (IllegalArgumentException e) {
            System.err.println("neo4j-launcher: " + e.getMessage());
            System.err.println("usage: Neo4jLauncher --home DIR [--port 7687] [--pagecache 256m]");
            System.exit(EXIT_USAGE);
            return;
        }

        String password = System.getenv("NEO4J_PASSWORD");
        if (password == null || password.isEmpty()) {
            System.err.println("neo4j-launcher: refusing to start: environment variable NEO4J_PASSWORD"
                    + " is unset or empty (the password is only ever read from the environment)");
            System.exit(EXIT_USAGE);
            return;
        }
        if (password.length() < MIN_PASSWORD_LENGTH) {
            System.err.println("neo4j-launcher: refusing to start: NEO4J_PASSWORD must have at least "
                    + MIN_PASSWORD_LENGTH + " characters (Neo4j's minimum password length)");
            System.exit(EXIT_USAGE);
            return;
        }

        String homeArg = opts.getOrDefault("home", System.getProperty("medkg.neo4j.home"));
        if (homeArg == null || homeArg.isEmpty()) {
            System.err.println("neo4j-launcher: --home DIR is required");
            System.exit(EXIT_USAGE);
            return;
        }
        int port;
        long pageCacheBytes;
        try {
            port = Integer.parseInt(opts.getOrDefault("port", System.getProperty("medkg.neo4j.port", "7687")));
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            pageCacheBytes = parseBytes(opts.getOrDefault("pagecache", "256m"));
        } catch (IllegalArgumentException e) {
            System.err.println("neo4j-launcher: " + e.getMessage());
            System.exit(EXIT_USAGE);
            return;
        }

        Path home = Path.of(homeArg).toAbsolutePath().normalize();
        try {
            run(home, port, pageCacheBytes, password);
        } catch (Throwable t) {
            t.printStackTrace(System.err);
            // Summary last, so that it ends up in any tail of the log.
            System.err.println("neo4j-launcher: startup failed: " + rootMessage(t));
            System.err.flush();
            // Runs the shutdown hook: shuts a (partly) started DBMS down and removes the markers.
            System.exit(EXIT_STARTUP_FAILED);
        }
    }

    private static void run(Path home, int port, long pageCacheBytes, String password) throws Exception {
        Files.createDirectories(home);
        // Held for the JVM's lifetime: one launcher per home, and markers only touched by the owner.
        FileChannel lockChannel = FileChannel.open(home.resolve("launcher.lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        homeLock = lockChannel.tryLock();
        if (homeLock == null) {
            System.err.println("neo4j-launcher: refusing to start: another launcher is already running on " + home);
            System.exit(EXIT_ALREADY_RUNNING);
            return;
        }
        Path readyFile = home.resolve("ready");
        Path pidFile = home.resolve("neo4j.pid");
        Files.deleteIfExists(readyFile);
        long pid = ProcessHandle.current().pid();
        writeAtomically(pidFile, pid + "\n");

        AtomicReference<DatabaseManagementService> serviceRef = new AtomicReference<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log("shutting down");
            deleteQuietly(readyFile);
            DatabaseManagementService service = serviceRef.get();
            if (service != null) {
                try {
                    service.shutdown();
                } catch (Throwable t) {
                    System.err.println("neo4j-launcher: error during shutdown: " + t);
                }
            }
            deleteQuietly(pidFile);
            log("stopped");
            stopped.countDown();
        }, "neo4j-launcher-shutdown"));

        log("starting Neo4j (home=" + home + ", bolt=" + LISTEN_ADDRESS + ":" + port + ", pid=" + pid + ")");
        long t0 = System.nanoTime();

        DatabaseManagementService service = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(LISTEN_ADDRESS, port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress(LISTEN_ADDRESS, port))
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.pagecache_memory, pageCacheBytes)
                // Do not pre-allocate 250 MiB transaction log files; keeps test homes small.
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                // No usage-data reporting (there is no network to send it to anyway).
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                // In-process "bolt-local" channel is not needed and costs ~5 s at shutdown.
                .setConfig(BoltConnectorInternalSettings.enable_local_connector, false)
                // Netty's default 5 s quiet period makes every shutdown take >10 s.
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 1)
                .build();
        serviceRef.set(service);

        setPassword(service, port, password);

        // Only declare readiness once Bolt really accepts a login with the password.
        waitForBoltLogin(port, password, Duration.ofSeconds(120));
        writeAtomically(readyFile, "pid=" + pid + "\nport=" + port + "\naddress=" + LISTEN_ADDRESS + "\n");
        log(String.format("ready in %.1f s (bolt://%s:%d)", (System.nanoTime() - t0) / 1e9, LISTEN_ADDRESS, port));

        stopped.await();
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // best effort
        }
    }

    /**
     * Makes NEO4J_PASSWORD the password of the neo4j user (through the system database), unless a
     * Bolt login with it already succeeds (restart on an existing home; skips Cypher warm-up).
     */
    private static void setPassword(DatabaseManagementService service, int port, String password) {
        try {
            if (!"neo4j".equals(password) && boltLogin(port, password)) {
                log("password of user '" + USER + "' unchanged");
                return;
            }
        } catch (IOException e) {
            // Bolt not reachable yet: fall through to the system database.
        }
        GraphDatabaseService system = service.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
        try {
            system.executeTransactionally(
                    "ALTER USER " + USER + " SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
            log("password of user '" + USER + "' set from NEO4J_PASSWORD");
        } catch (RuntimeException e) {
            String msg = String.valueOf(rootMessage(e));
            if (msg.contains("Old password and new password cannot be the same")) {
                // Already set (restart on an existing home). Make sure no change is required.
                system.executeTransactionally("ALTER USER " + USER + " SET PASSWORD CHANGE NOT REQUIRED");
                log("password of user '" + USER + "' unchanged");
            } else {
                throw e;
            }
        }
    }

    /** Messages of a throwable and its causes, joined with " | ". */
    private static String rootMessage(Throwable t) {
        StringBuilder sb = new StringBuilder();
        int depth = 0;
        for (Throwable c = t; c != null && depth < 10; c = c.getCause(), depth++) {
            if (sb.length() > 0) {
                sb.append(" | ");
            }
            sb.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
        }
        return sb.toString();
    }

    // ----------------------------------------------------------------------------------------
    // Minimal Bolt 4.4 client: handshake + HELLO with basic auth, used as readiness probe.
    // ----------------------------------------------------------------------------------------

    private static void waitForBoltLogin(int port, String password, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (boltLogin(port, password)) {
                    return;
                }
                throw new IllegalStateException("Bolt login with NEO4J_PASSWORD was rejected");
            } catch (IOException e) {
                last = e;
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("Bolt did not accept connections on " + LISTEN_ADDRESS + ":" + port
                + " within " + timeout, last);
    }

    /** Returns true on SUCCESS, false on FAILURE; throws IOException if Bolt is not reachable. */
    static boolean boltLogin(int port, String password) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LISTEN_ADDRESS, port), 2000);
            socket.setSoTimeout(10000);
            OutputStream out = socket.getOutputStream();
            DataInputStream in = new DataInputStream(socket.getInputStream());

            // Magic preamble, then four proposed versions: 4.4 and three empty slots.
            out.write(new byte[] {
                (byte) 0x60, (byte) 0x60, (byte) 0xB0, (byte) 0x17,
                0, 0, 4, 4,
                0, 0, 0, 0,
                0, 0, 0, 0,
                0, 0, 0, 0,
            });
            out.flush();
            byte[] agreed = new byte[4];
            in.readFully(agreed);
            if (agreed[2] != 4 || agreed[3] != 4) {
                throw new IOException("Bolt server did not agree on protocol 4.4");
            }

            Map<String, String> extra = new LinkedHashMap<>();
            extra.put("user_agent", "medkg-neo4j-launcher/0.1");
            extra.put("scheme", "basic");
            extra.put("principal", USER);
            extra.put("credentials", password);
            ByteArrayOutputStream msg = new ByteArrayOutputStream();
            msg.write(0xB1); // tiny struct, 1 field
            msg.write(0x01); // HELLO
            packMap(msg, extra);
            writeChunked(out, msg.toByteArray());
            out.flush();

            byte[] response = readMessage(in);
            if (response.length < 2) {
                throw new IOException("short Bolt response");
            }
            int signature = response[1] & 0xFF;
            boolean ok = signature == 0x70; // SUCCESS (0x7F is FAILURE)
            if (ok) {
                writeChunked(out, new byte[] {(byte) 0xB0, 0x02}); // GOODBYE
                out.flush();
            }
            return ok;
        }
    }

    private static void packMap(ByteArrayOutputStream out, Map<String, String> map) throws IOException {
        if (map.size() >= 16) {
            throw new IllegalArgumentException("map too large");
        }
        out.write(0xA0 | map.size());
        for (Map.Entry<String, String> e : map.entrySet()) {
            packString(out, e.getKey());
            packString(out, e.getValue());
        }
    }

    private static void packString(ByteArrayOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length < 16) {
            out.write(0x80 | b.length);
        } else if (b.length < 256) {
            out.write(0xD0);
            out.write(b.length);
        } else if (b.length < 65536) {
            out.write(0xD1);
            out.write(b.length >> 8);
            out.write(b.length & 0xFF);
        } else {
            throw new IllegalArgumentException("string too long");
        }
        out.write(b);
    }

    private static void writeChunked(OutputStream out, byte[] data) throws IOException {
        int off = 0;
        while (off < data.length) {
            int len = Math.min(0xFFFF, data.length - off);
            out.write(len >> 8);
            out.write(len & 0xFF);
            out.write(data, off, len);
            off += len;
        }
        out.write(0);
        out.write(0);
    }

    private static byte[] readMessage(InputStream raw) throws IOException {
        DataInputStream in = new DataInputStream(raw);
        ByteArrayOutputStream msg = new ByteArrayOutputStream();
        while (true) {
            int len = in.readUnsignedShort();
            if (len == 0) {
                if (msg.size() == 0) {
                    continue; // NOOP keep-alive chunk
                }
                return msg.toByteArray();
            }
            byte[] chunk = new byte[len];
            in.readFully(chunk);
            msg.write(chunk);
        }
    }

    // ----------------------------------------------------------------------------------------

    private static Map<String, String> parseArgs(String[] args) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument: " + a);
            }
            String key;
            String value;
            int eq = a.indexOf('=');
            if (eq > 0) {
                key = a.substring(2, eq);
                value = a.substring(eq + 1);
            } else {
                key = a.substring(2);
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value for " + a);
                }
                value = args[++i];
            }
            if (!key.equals("home") && !key.equals("port") && !key.equals("pagecache")) {
                throw new IllegalArgumentException("unknown option: --" + key);
            }
            opts.put(key, value);
        }
        return opts;
    }

    static long parseBytes(String s) {
        String v = s.trim().toLowerCase();
        long mult = 1;
        if (v.endsWith("k")) {
            mult = ByteUnit.kibiBytes(1);
        } else if (v.endsWith("m")) {
            mult = ByteUnit.mebiBytes(1);
        } else if (v.endsWith("g")) {
            mult = ByteUnit.gibiBytes(1);
        }
        if (mult != 1) {
            v = v.substring(0, v.length() - 1);
        }
        try {
            return Long.parseLong(v) * mult;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid size: " + s);
        }
    }

    private static void writeAtomically(Path target, String content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void log(String message) {
        System.out.println("[neo4j-launcher] " + message);
        System.out.flush();
    }
}
