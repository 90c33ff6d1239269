using System.Globalization;
using System.Text;
using Parquet;
using Parquet.Schema;
using Tessera.Reports;

namespace Tessera.Tests.Cli;

/// <summary>`tessera results export --format parquet`: the CSV export's columns and values, typed, read back by Parquet.Net.</summary>
public sealed class ParquetExportTests
{
    private static Manifest ManifestOf(string? commit, string[] commandLine, string? costModel, int? seed) =>
        new("tessera", "0.3.0", commit, [.. commandLine], [new ManifestInput("/data/a.onnx", new string('a', 64))], new string('b', 64), costModel, seed,
            "2026-12-06T12:00:00Z", "test machine");

    [Fact]
    public async Task Parquet_holds_every_value_of_the_csv_export_typed_with_nulls_where_absent()
    {
        var store = Path.Combine(Path.GetTempPath(), $"tessera-store-{Guid.NewGuid():N}.db");
        var results = new ResultStore(store);
        // No commit, cost model or seed, and a metric the second run lacks; the command line holds a comma and a quote.
        results.Append(ManifestOf(null, ["tessera", "run", "a,b.yaml"], null, null), new StoredRun("run", "first", "p1", true,
            [new Metric("latency", 1.25e-3, ValueKind.Seconds), new Metric("inferences", 123456.789, ValueKind.PerSecond)], []));
        results.Append(ManifestOf("abc123", ["tessera", "run", "--search", "ga", "say \"hi\""], "loopnest 2", 7), new StoredRun("run", "second", "p2", false,
            [new Metric("latency", 0.1 + 0.2, ValueKind.Seconds), new Metric("energy", 4.5e-7, ValueKind.Joules)], []));
        results.Append(ManifestOf("abc123", ["tessera", "study", "x"], "roofline 1", 42), new StoredRun("study", "third", "p3", true,
            [new Metric("energy", double.NaN, ValueKind.Joules)], []));

        var csv = CliRunner.Run("results", "export", "--store", store);
        Assert.True(csv.ExitCode == 0, csv.Error);
        var parquet = Path.Combine(Path.GetTempPath(), $"tessera-{Guid.NewGuid():N}.parquet");
        var export = CliRunner.Run("results", "export", "--store", store, "--format", "parquet", "-o", parquet);
        Assert.True(export.ExitCode == 0, export.Error);

        var lines = ParseCsv(csv.Out);
        var (header, rows) = (lines[0], lines.Skip(1).ToList());
        var columns = await Read(parquet);
        Assert.Equal(header, columns.Select(c => c.Field.Name));
        string[] numeric = ["seed", "latency (s)", "inferences (1/s)", "energy (J)"];
        Assert.Equal(numeric, columns.Where(c => c.Field.ClrType == typeof(double)).Select(c => c.Field.Name));
        for (int c = 0; c < columns.Count; c++)
        {
            Assert.Equal(rows.Count, columns[c].Values.Length);
            for (int r = 0; r < rows.Count; r++)
            {
                var (field, value) = (rows[r][c], columns[c].Values[r]);
                if (field.Length == 0) Assert.Null(value);
                else if (value is double number) Assert.Equal(double.Parse(field, CultureInfo.InvariantCulture), number);
                else Assert.Equal(field, Assert.IsType<string>(value));
            }
        }
        // Written by hand: what is absent is null, not an empty string or NaN.
        object?[] Column(string name) => columns.Single(c => c.Field.Name == name).Values;
        Assert.Equal([null, "abc123", "abc123"], Column("commit"));
        Assert.Equal([null, 7.0, 42.0], Column("seed"));
        Assert.Equal([null, 4.5e-7, null], Column("energy (J)"));
        Assert.Equal([123456.789, null, null], Column("inferences (1/s)"));
        Assert.Equal(["tessera run a,b.yaml", "tessera run --search ga say \"hi\"", "tessera study x"], Column("command_line"));
        Assert.Equal(["true", "false", "true"], Column("feasible"));
    }

    [Fact]
    public void Parquet_needs_an_output_file_and_one_row_per_run()
    {
        var store = Path.Combine(Path.GetTempPath(), $"tessera-store-{Guid.NewGuid():N}.db");
        new ResultStore(store).Append(ManifestOf(null, ["tessera"], null, null), new StoredRun("run", "r", "p", true, [], []));
        var stdout = CliRunner.Run("results", "export", "--store", store, "--format", "parquet");
        Assert.Equal(2, stdout.ExitCode);
        Assert.Contains("expected --out FILE", stdout.Error, StringComparison.Ordinal);
        var cells = CliRunner.Run("results", "export", "--store", store, "--format", "parquet", "--cells", "-o", Path.GetTempFileName());
        Assert.Equal(2, cells.ExitCode);
    }

    private static async Task<List<(DataField Field, object?[] Values)>> Read(string path)
    {
        await using var reader = await ParquetReader.CreateAsync(path);
        Assert.Equal(1, reader.RowGroupCount);
        using var group = reader.OpenRowGroupReader(0);
        var result = new List<(DataField, object?[])>();
        foreach (var field in reader.Schema.GetDataFields())
        {
            int n = (int)group.RowCount;
            if (field.ClrType == typeof(double))
            {
                var values = new double?[n];
                await group.ReadAsync<double>(field, values.AsMemory());
                result.Add((field, [.. values.Select(v => (object?)v)]));
            }
            else
            {
                // Text: read as strings (the reader refuses a column of another physical type).
                var values = new string?[n];
                await group.ReadAsync(field, values.AsMemory());
                result.Add((field, [.. values]));
            }
        }
        return result;
    }

    /// <summary>RFC 4180 records: fields split on commas outside quotes, "" inside quotes is one quote.</summary>
    private static List<string[]> ParseCsv(string text)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char ch = text[i];
            if (quoted)
            {
                if (ch != '"') field.Append(ch);
                else if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else quoted = false;
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { fields.Add(field.ToString()); field.Clear(); }
            else if (ch == '\n')
            {
                fields.Add(field.ToString().TrimEnd('\r'));
                field.Clear();
                records.Add([.. fields]);
                fields.Clear();
            }
            else field.Append(ch);
        }
        return records;
    }
}
