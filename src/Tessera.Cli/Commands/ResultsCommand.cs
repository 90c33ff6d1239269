using System.Collections.Immutable;
using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;
using Tessera.Diagnostics;
using Tessera.Reports;
using Tessera.Reports.Html;

namespace Tessera.Cli.Commands;

/// <summary>`tessera results list|show|export --store FILE`: what a result store holds.</summary>
internal static class ResultsCommand
{
    /// <summary>Metrics shown in the list's table (every metric is in show, --json and export).</summary>
    private const int ListedMetrics = 3;

    public static Command Create(CliContext context)
    {
        Option<string> Store() => new("--store") { Description = "The result store (an SQLite file written by --store)", Required = true };
        var listStore = Store();
        var listJson = new Option<bool>("--json") { Description = "One JSON object per run: its id, point, kind, name, manifest and metrics" };
        var listReport = ReportOption.Create();
        var list = new Command("list", "List the runs in a store, oldest first") { listStore, listJson, listReport };
        list.SetAction(parse =>
        {
            var reportFile = ReportOption.Open(parse.GetValue(listReport));
            var path = parse.GetValue(listStore)!;
            var runs = Existing(path).List();
            ReportOption.Write(reportFile, () => TableReport.Build("tessera results", path,
                [StoredRunSummary.Table($"runs in {Path.GetFileName(path)}", runs, provenance: false)], JsonOutput.ManifestOf(context, [path])));
            if (parse.GetValue(listJson))
            {
                context.Out.WriteLine(new JsonArray([.. runs.Select(Describe)]).ToJsonString(JsonOutput.Options));
                return 0;
            }
            var table = new Table().AddColumns("id", "date (UTC)", "kind", "name", "point", "metrics");
            foreach (var r in runs)
                table.AddRow($"{r.Id}", r.DateUtc, Markup.Escape(r.Kind), Markup.Escape(r.Name), r.Point,
                    Markup.Escape(string.Join(", ", r.Metrics.Take(ListedMetrics).Select(m => $"{m.Name} {NumberFormat.WithUnit(m.Value, m.Kind)}"))));
            context.Console.Write(table);
            return 0;
        });

        var showStore = Store();
        var id = new Argument<long>("id") { Description = "The run's id (tessera results list)" };
        var showJson = new Option<bool>("--json") { Description = "The run as JSON: manifest, metrics and tables" };
        var show = new Command("show", "Show one run: its manifest, metrics and tables") { id, showStore, showJson };
        show.SetAction(parse =>
        {
            var (run, tables) = Existing(parse.GetValue(showStore)!).Show(parse.GetValue(id));
            bool csv = context.Console is TableConsole { Csv: true };
            if (parse.GetValue(showJson))
            {
                var document = Describe(run);
                document["tables"] = JsonOutput.ToNode(tables);
                context.Out.WriteLine(document.ToJsonString(JsonOutput.Options));
                return 0;
            }
            var metrics = new ResultTable("metrics", "", [new("metric", ValueKind.Text), new("value", ValueKind.Text)],
                [.. run.Metrics.Select(m => System.Collections.Immutable.ImmutableArray.Create<ResultValue>(m.Name,
                    csv ? Csv.Number(m.Value) : NumberFormat.WithUnit(m.Value, m.Kind)))], []);
            var m = run.Manifest;
            context.Console.MarkupLine(Markup.Escape($"run {run.Id} ({run.Kind} {run.Name}, point {run.Point}{(run.Feasible ? "" : ", infeasible")}): " +
                $"{string.Join(' ', m.CommandLine)}"));
            context.Console.MarkupLine(Markup.Escape($"{m.Tool} {m.Version} {m.Commit}, {m.DateUtc}, {m.Machine}; cost model {m.CostModel ?? "-"}, seed {m.Seed?.ToString() ?? "-"}"));
            foreach (var input in m.Inputs) context.Console.MarkupLine(Markup.Escape($"input {input.Path} sha256 {input.Sha256}"));
            ResultTablePrinter.Print(context.Console, [metrics, .. tables]);
            return 0;
        });

        var exportStore = Store();
        var output = new Option<string?>("--out", "-o") { Description = "Write the export to this file instead of stdout (required for parquet)" };
        var cells = new Option<bool>("--cells") { Description = "Export every table cell (run, table, row, column, value) instead of one row per run (CSV only)" };
        var format = new Option<string>("--format")
        {
            Description = "csv, or parquet (typed columns: numbers as doubles, text as strings, null where absent)", DefaultValueFactory = _ => "csv",
        }.AcceptOnlyFromAmong("csv", "parquet");
        var export = new Command("export", "Export a store as CSV or Parquet: one row per run with its manifest's fields and every metric, or every cell")
            { exportStore, output, cells, format };
        export.SetAction(parse =>
        {
            var file = OutputFile.File(parse.GetValue(output), "--out");
            bool parquet = parse.GetValue(format) == "parquet";
            if (parquet && file is null) throw new TesseraInputException("--format parquet writes a binary file; expected --out FILE");
            if (parquet && parse.GetValue(cells)) throw new TesseraInputException("--cells mixes numbers and text in one column; expected --format csv with --cells");
            var store = Existing(parse.GetValue(exportStore)!);
            if (parquet)
            {
                var runs = StoredRunSummary.Table("runs", store.List());
                file!.WriteStream(stream => ParquetExport.Write(stream, runs));
                return 0;
            }
            void Write(TextWriter writer)
            {
                if (parse.GetValue(cells)) ExportCells(writer, store);
                else Csv.Write(writer, StoredRunSummary.Table("runs", store.List()));
            }
            if (file is null) Write(context.Out);
            else file.WriteText(Write);
            return 0;
        });

        var inputs = new Argument<string[]>("stores") { Description = "The stores to merge (the shards of one sweep, or any stores)", Arity = ArgumentArity.OneOrMore };
        var merged = new Option<string>("--out", "-o") { Description = "The merged store to write (replaced whole when it exists)", Required = true };
        var merge = new Command("merge", "Merge stores (a sweep's shards) into one; refuses shards of different sweeps and points whose results differ") { inputs, merged };
        merge.SetAction(parse =>
        {
            var file = OutputFile.File(parse.GetValue(merged), "--out")!;
            var stores = parse.GetValue(inputs)!.Select(Existing).ToList();
            if (stores.FirstOrDefault(s => s.Path == file.Path) is { } same)
                throw new TesseraInputException($"--out {same.Path} is also an input; expected a new path for the merged store");
            var conflicts = ImmutableArray<MergeConflict>.Empty;
            file.WriteAt(path => conflicts = StoreMerge.Merge(stores, new ResultStore(path)));
            foreach (var c in conflicts) context.Error.WriteLine($"error: {c}");
            if (!conflicts.IsEmpty)
            {
                context.Error.WriteLine($"error: {conflicts.Length} point(s) differ between stores; nothing written");
                return TesseraCli.Infeasible;
            }
            context.Console.MarkupLine(Markup.Escape($"{file.Path}: {new ResultStore(file.Path).List().Length} runs from {stores.Count} stores"));
            return 0;
        });

        return new Command("results", "Read a result store written by --store: list its runs, show one, export them as CSV or Parquet, merge stores") { list, show, export, merge };
    }

    /// <summary>A store that exists (reading a missing path would make nothing of a typo).</summary>
    private static ResultStore Existing(string path) =>
        File.Exists(path) ? new ResultStore(path) : throw new TesseraInputException($"--store {path}: no such file; expected a result store written by --store");

    private static JsonObject Describe(StoredRunSummary r)
    {
        var metrics = new JsonObject();
        foreach (var m in r.Metrics) metrics[m.Name] = double.IsFinite(m.Value) ? JsonValue.Create(m.Value) : null;
        return new JsonObject
        {
            ["id"] = r.Id,
            ["point"] = r.Point,
            ["kind"] = r.Kind,
            ["name"] = r.Name,
            ["feasible"] = r.Feasible,
            ["manifest"] = JsonOutput.ToNode(r.Manifest),
            ["metrics"] = metrics,
        };
    }

    /// <summary>Every cell of every run's tables, one per line.</summary>
    private static void ExportCells(TextWriter writer, ResultStore store) =>
        Csv.Write(writer, ["run", "point", "table", "row", "column", "unit", "value"],
            store.List().SelectMany(r => store.Show(r.Id).Tables.SelectMany(t => t.Rows.SelectMany((row, i) => row.Select((v, c) =>
                (IEnumerable<string>)[$"{r.Id}", r.Point, t.Title, $"{i}", t.Columns[c].Header, Csv.Unit(t.Columns[c].Kind), Csv.Field(v)])))));
}
