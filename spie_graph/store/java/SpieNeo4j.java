import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.io.ByteUnit;
import org.neo4j.logging.Level;
import org.neo4j.logging.log4j.Log4jLogProvider;

import inet.ipaddr.IPAddressString;

/**
 * Runs an embedded Neo4j Community DBMS with a Bolt connector, for spie-graph.
 *
 * <pre>
 * echo PASSWORD | java [JVM flags] -cp 'classes:lib/*' SpieNeo4j \
 *     --home DIR --data DIR --logs DIR --host 127.0.0.1 --port 7687 --pagecache 512m \
 *     [--import DIR]
 * </pre>
 *
 * {@code LOAD CSV} reads no URL: every IP address is blocked for Cypher (no
 * {@code http://}), and {@code file:///} URLs are refused unless an import
 * folder is given, which they are then confined to.
 *
 * The password of the user {@code neo4j} is the first line of the standard
 * input (never the command line nor the environment, both readable in /proc)
 * and is never printed.
 * Standard output is the log file (redirected by spie_graph/neo4j_server.py);
 * Neo4j's own debug.log goes to the logs folder. SIGTERM shuts down cleanly.
 */
public final class SpieNeo4j {

    private SpieNeo4j() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = parseArgs(args);
        String password = readPassword();
        if (password == null || password.isEmpty()) {
            fail("aucun mot de passe sur l'entrée standard");
        }
        String host = opts.getOrDefault("host", "127.0.0.1");
        int port = Integer.parseInt(opts.getOrDefault("port", "7687"));

        DatabaseManagementService dbms;
        try {
            dbms = build(opts, host, port);
        } catch (RuntimeException e) {
            e.printStackTrace(System.out);
            fail("Neo4j n'a pas pu démarrer : " + e.getMessage());
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log("arrêt demandé, fermeture de Neo4j");
            dbms.shutdown();
            log("Neo4j arrêté");
        }, "spie-neo4j-shutdown"));

        try {
            setPassword(dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME), password);
        } catch (RuntimeException e) {
            // The message of Neo4j never contains the password (it is a parameter).
            fail("le mot de passe de l'utilisateur neo4j n'a pas pu être défini : " + e.getMessage());
        }
        log("prêt : bolt://" + host + ":" + port);
        new CountDownLatch(1).await(); // wait for SIGTERM
    }

    private static DatabaseManagementService build(Map<String, String> opts, String host, int port) {
        Path home = Path.of(require(opts, "home")).toAbsolutePath();
        Path data = Path.of(opts.getOrDefault("data", home.resolve("data").toString())).toAbsolutePath();
        Path logs = Path.of(opts.getOrDefault("logs", home.resolve("logs").toString())).toAbsolutePath();
        long pagecache = ByteUnit.parse(opts.getOrDefault("pagecache", "512m"));
        String importDir = opts.get("import");
        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home)
                .setConfig(GraphDatabaseSettings.allow_file_urls, importDir != null)
                .setConfig(GraphDatabaseInternalSettings.cypher_ip_blocklist,
                        List.of(new IPAddressString("0.0.0.0/0"), new IPAddressString("::/0")));
        if (importDir != null) {
            builder.setConfig(GraphDatabaseSettings.load_csv_file_url_root,
                    Path.of(importDir).toAbsolutePath());
        }
        return builder
                .setUserLogProvider(new Log4jLogProvider(System.out, Level.INFO))
                .setConfig(GraphDatabaseSettings.data_directory, data)
                .setConfig(GraphDatabaseSettings.logs_directory, logs)
                .setConfig(GraphDatabaseSettings.pagecache_memory, pagecache)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                // Otherwise each database preallocates a 256 MiB transaction log.
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(host, port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress(host, port))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                // Netty waits a 5 s quiet period per Bolt server on shutdown (12 s in all).
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 1)
                .build();
    }

    /** Sets the password of neo4j through the system database; it is a query parameter. */
    private static void setPassword(GraphDatabaseService system, String password) {
        try {
            system.executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
        } catch (RuntimeException e) {
            String message = String.valueOf(e.getMessage());
            if (!message.contains("cannot be the same")) {
                throw e;
            }
            // Same password as before: only make sure no change is required.
            system.executeTransactionally("ALTER USER neo4j SET PASSWORD CHANGE NOT REQUIRED");
        }
    }

    private static String readPassword() throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line = in.readLine();
        return line == null ? null : line.strip();
    }

    private static Map<String, String> parseArgs(String[] args) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                fail("argument inattendu : " + args[i]);
            }
            opts.put(args[i].substring(2), args[++i]);
        }
        return opts;
    }

    private static String require(Map<String, String> opts, String key) {
        String value = opts.get(key);
        if (value == null) {
            fail("option obligatoire manquante : --" + key);
        }
        return value;
    }

    private static void log(String message) {
        System.out.println("SpieNeo4j : " + message);
        System.out.flush();
    }

    private static void fail(String message) {
        log("ERREUR : " + message);
        System.exit(1);
    }
}
