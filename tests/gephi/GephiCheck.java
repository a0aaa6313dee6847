import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.gephi.graph.api.Column;
import org.gephi.graph.api.Edge;
import org.gephi.graph.api.GraphController;
import org.gephi.graph.api.GraphModel;
import org.gephi.graph.api.Node;
import org.gephi.graph.api.Table;
import org.gephi.io.exporter.api.ExportController;
import org.gephi.io.importer.api.Container;
import org.gephi.io.importer.api.ImportController;
import org.gephi.io.importer.api.Issue;
import org.gephi.io.importer.api.Report;
import org.gephi.io.processor.plugin.DefaultProcessor;
import org.gephi.project.api.ProjectController;
import org.gephi.project.api.Workspace;
import org.openide.util.Lookup;

/**
 * Imports graph files with Gephi's own importers, as Gephi's "Open" does, and
 * prints, for each file, one JSON line: node and edge counts, the columns
 * (id, title, type) and the import issues (level, message). With --nodes, also
 * every node's label, colour, size, position and data set (column
 * jeu_de_donnees), and every edge. With --preview DIR, Gephi's preview of each
 * file as DIR/<file>.pdf (to look at what a Gephi user first sees).
 *
 * Usage: java -cp 'lib/*:classes' GephiCheck [--nodes] [--preview DIR] file...
 */
public final class GephiCheck {

    private GephiCheck() {
    }

    public static void main(String[] args) throws Exception {
        boolean nodes = false;
        File preview = null;
        List<File> files = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--nodes")) {
                nodes = true;
            } else if (args[i].equals("--preview")) {
                preview = new File(args[++i]);
            } else {
                files.add(new File(args[i]));
            }
        }
        ProjectController projects = Lookup.getDefault().lookup(ProjectController.class);
        ImportController importer = Lookup.getDefault().lookup(ImportController.class);
        GraphController graphs = Lookup.getDefault().lookup(GraphController.class);
        for (File file : files) {
            projects.newProject();
            Workspace workspace = projects.getCurrentWorkspace();
            StringBuilder out = new StringBuilder();
            out.append("{\"file\":").append(quote(file.getName()));
            Container container = importer.importFile(file);
            if (container == null) {
                out.append(",\"error\":\"no importer or import failed\"}");
                System.out.println(out);
                projects.closeCurrentProject();
                continue;
            }
            Report report = container.getReport();
            importer.process(container, new DefaultProcessor(), workspace);
            GraphModel model = graphs.getGraphModel(workspace);
            out.append(",\"nodes\":").append(model.getGraph().getNodeCount());
            out.append(",\"edges\":").append(model.getGraph().getEdgeCount());
            out.append(",\"node_columns\":").append(columns(model.getNodeTable()));
            out.append(",\"edge_columns\":").append(columns(model.getEdgeTable()));
            out.append(",\"issues\":[");
            boolean first = true;
            for (Issue issue : report.getIssuesList(Integer.MAX_VALUE)) {
                out.append(first ? "" : ",").append("{\"level\":")
                        .append(quote(issue.getLevel().toString())).append(",\"message\":")
                        .append(quote(issue.getMessage())).append('}');
                first = false;
            }
            out.append(']');
            if (nodes) {
                out.append(",\"node_list\":[");
                first = true;
                Column dataset = model.getNodeTable().getColumn("jeu_de_donnees");
                for (Node node : model.getGraph().getNodes()) {
                    java.awt.Color color = node.getColor();
                    out.append(first ? "" : ",").append("{\"id\":").append(quote(node.getId().toString()))
                            .append(",\"label\":").append(quote(node.getLabel()))
                            .append(",\"color\":").append(quote(String.format(Locale.ROOT, "#%02x%02x%02x",
                                    color.getRed(), color.getGreen(), color.getBlue())))
                            .append(",\"size\":").append(node.size())
                            .append(",\"x\":").append(node.x())
                            .append(",\"y\":").append(node.y())
                            .append(",\"jeu_de_donnees\":").append(dataset == null ? "null"
                                    : quote(String.valueOf(node.getAttribute(dataset))))
                            .append('}');
                    first = false;
                }
                out.append("],\"edge_list\":[");
                first = true;
                for (Edge edge : model.getGraph().getEdges()) {
                    out.append(first ? "" : ",").append("{\"id\":").append(quote(edge.getId().toString()))
                            .append(",\"source\":").append(quote(edge.getSource().getId().toString()))
                            .append(",\"target\":").append(quote(edge.getTarget().getId().toString()))
                            .append(",\"label\":").append(quote(edge.getLabel()))
                            .append(",\"directed\":").append(edge.isDirected()).append('}');
                    first = false;
                }
                out.append(']');
            }
            out.append('}');
            System.out.println(out);
            if (preview != null) {
                ExportController exports = Lookup.getDefault().lookup(ExportController.class);
                exports.exportFile(new File(preview, file.getName() + ".pdf"));
            }
            projects.closeCurrentProject();
        }
        System.exit(0);
    }

    private static String columns(Table table) {
        StringBuilder out = new StringBuilder("[");
        boolean first = true;
        for (Column column : table) {
            out.append(first ? "" : ",").append("{\"id\":").append(quote(column.getId()))
                    .append(",\"title\":").append(quote(column.getTitle()))
                    .append(",\"type\":").append(quote(column.getTypeClass().getSimpleName()))
                    .append('}');
            first = false;
        }
        return out.append(']').toString();
    }

    private static String quote(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
