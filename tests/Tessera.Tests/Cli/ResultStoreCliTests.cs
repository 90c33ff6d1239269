using System.Globalization;

namespace Tessera.Tests.Cli;

/// <summary>--store on a run, and `tessera results` reading it back: the numbers the run printed, its manifest, CSV export.</summary>
public sealed class ResultStoreCliTests
{
    private static string Scenario() => CliRunner.TempFile(
        $"name: stored\nhardware: scar-2x2-het\nmodels:\n  - model: {TestData.Shared("data", "onnx", "2_conv.onnx")}\n");

    private static string NewStore() => Path.Combine(Path.GetTempPath(), $"tessera-store-{Guid.NewGuid():N}.db");

    [Fact]
    public void A_stored_run_lists_with_its_manifest_and_the_metrics_it_printed()
    {
        var (file, store) = (Scenario(), NewStore());
        var json = CliRunner.Run("run", file, "--json", "--store", store);
        Assert.True(json.ExitCode == 0, json.Error);
        var plain = CliRunner.Run("run", file, "--store", store, "--progress", "none");
        Assert.True(plain.ExitCode == 0, plain.Error);

        var list = CliRunner.Run("results", "list", "--store", store, "--json");
        Assert.True(list.ExitCode == 0, list.Error);
        var runs = list.Json.EnumerateArray().ToList();
        Assert.Equal(2, runs.Count);
        Assert.Equal([1, 2], runs.Select(r => r.GetProperty("id").GetInt64()));
        Assert.Equal(["tessera", "run", file, "--json", "--store", store],
            runs[0].GetProperty("manifest").GetProperty("commandLine").EnumerateArray().Select(a => a.GetString()));
        // Output flags do not change what is computed, so both runs are the same point.
        Assert.Equal(runs[0].GetProperty("point").GetString(), runs[1].GetProperty("point").GetString());
        Assert.Equal(json.Json.GetProperty("latencySeconds").GetDouble(), runs[0].GetProperty("metrics").GetProperty("latency").GetDouble());
        Assert.Equal(json.Json.GetProperty("energy").GetProperty("totalJ").GetDouble(), runs[1].GetProperty("metrics").GetProperty("energy").GetDouble());

        var export = CliRunner.Run("results", "export", "--store", store);
        Assert.True(export.ExitCode == 0, export.Error);
        var lines = export.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        var header = lines[0].Split(',');
        int latency = Array.IndexOf(header, "latency (s)");
        Assert.True(latency > 0, lines[0]);
        // The command line and the cost model's identity hold commas, so read the row from its end.
        var row = lines[2].Split(',');
        Assert.Equal(json.Json.GetProperty("latencySeconds").GetDouble(),
            double.Parse(row[row.Length - (header.Length - latency)], CultureInfo.InvariantCulture));

        var show = CliRunner.Run("results", "show", "2", "--store", store, "--csv");
        Assert.True(show.ExitCode == 0, show.Error);
        Assert.Contains("# models", show.Out, StringComparison.Ordinal);
        Assert.Contains("# resources", show.Out, StringComparison.Ordinal);
        Assert.Equal(2, CliRunner.Run("results", "show", "3", "--store", store).ExitCode);
    }

    [Fact]
    public void A_store_that_is_not_one_exits_2_before_the_run_and_is_left_as_it_was()
    {
        var notStore = CliRunner.TempFile("name,value\n1,2\n", ".db");
        var r = CliRunner.Run("run", Scenario(), "--store", notStore);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("not a Tessera result store", r.Error, StringComparison.Ordinal);
        Assert.Equal("name,value\n1,2\n", File.ReadAllText(notStore));
        Assert.Equal(2, CliRunner.Run("results", "list", "--store", notStore).ExitCode);
        Assert.Equal(2, CliRunner.Run("results", "list", "--store", NewStore()).ExitCode);
    }

    [Fact]
    public void Csv_gives_the_run_tables_in_base_units()
    {
        var file = Scenario();
        var json = CliRunner.Run("run", file, "--json");
        var csv = CliRunner.Run("run", file, "--csv");
        Assert.True(csv.ExitCode == 0, csv.Error);
        var lines = csv.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int header = Array.IndexOf(lines, "# models") + 1;
        Assert.Equal("model,batch,mini-batches,MACs,latency (s),inferences/s,energy (J),EDP (J·s)", lines[header]);
        var scenario = lines.First(l => l.StartsWith("scenario,", StringComparison.Ordinal)).Split(',');
        Assert.Equal(json.Json.GetProperty("latencySeconds").GetDouble(), double.Parse(scenario[4], CultureInfo.InvariantCulture));
        Assert.Equal(json.Json.GetProperty("energy").GetProperty("totalJ").GetDouble(), double.Parse(scenario[6], CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Csv_covers_tables_that_commands_draw_themselves()
    {
        var json = CliRunner.Run("models", "--json");
        var csv = CliRunner.Run("models", "--csv");
        Assert.True(csv.ExitCode == 0, csv.Error);
        var lines = csv.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')).ToList();
        Assert.StartsWith("model,", lines[0], StringComparison.Ordinal);
        Assert.Equal(json.Json.GetArrayLength(), lines.Count - 1);
        Assert.DoesNotContain("│", csv.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Plain_progress_writes_rising_percentages_on_stderr_ending_at_100()
    {
        var r = CliRunner.Run("run", Scenario(), "--progress", "plain", "--scheduler", "ga", "--population", "4", "--generations", "2");
        Assert.True(r.ExitCode == 0, r.Error);
        var percents = r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => int.Parse(l.Split(": ")[1].Split(' ')[0], CultureInfo.InvariantCulture)).ToList();
        Assert.NotEmpty(percents);
        Assert.Equal(100, percents[^1]);
        Assert.Equal(percents.Order(), percents);
        Assert.Equal(2, CliRunner.Run("run", Scenario(), "--progress", "bars").ExitCode);
    }
}
