using Spectre.Console;
using Tessera.Cli.Commands;
using Tessera.Diagnostics;
using Tessera.Reports;

namespace Tessera.Tests.Cli;

/// <summary>Output paths are checked before a run starts; files are replaced whole or not at all; wide tables fit the console.</summary>
public sealed class OutputFileTests
{
    private static string Missing() => Path.Combine(Path.GetTempPath(), $"tessera-missing-{Guid.NewGuid():N}");

    private static string Scenario() => CliRunner.TempFile(
        $"name: outputs\nhardware: scar-2x2-het\nmodels:\n  - model: {TestData.Shared("data", "onnx", "2_conv.onnx")}\n");

    [Theory]
    [InlineData("run", "--trace")]
    [InlineData("run", "--store")]
    [InlineData("experiment", "--out")]
    [InlineData("experiment", "--store")]
    [InlineData("floorplan", "--svg")]
    public void A_path_in_a_missing_directory_exits_2_before_the_run(string command, string option)
    {
        var path = Path.Combine(Missing(), "result.out");
        string[] args = command switch
        {
            "run" => ["run", Scenario(), option, path, "--progress", "plain"],
            "experiment" => ["experiment", "stream-fusion", "--reduced", option, path, "--progress", "plain"],
            _ => ["floorplan", "scar-2x2-het", option, path],
        };
        var r = CliRunner.Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"{option} {path}: the directory", r.Error, StringComparison.Ordinal);
        // No progress line: the run never started.
        Assert.DoesNotContain("%", r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_where_a_file_goes_and_a_file_where_a_directory_goes_exit_2()
    {
        var r = CliRunner.Run("run", Scenario(), "--trace", Path.GetTempPath(), "--progress", "none");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("a directory; expected a file path", r.Error, StringComparison.Ordinal);
        var file = CliRunner.TempFile("x", ".txt");
        var e = CliRunner.Run("ecosystem", "--suite", "resnet18", "--floorplans", file, "--progress", "none");
        Assert.Equal(2, e.ExitCode);
        Assert.Contains("a file; expected a directory", e.Error, StringComparison.Ordinal);
        Assert.Equal("x", File.ReadAllText(file));
    }

    [Fact]
    public void A_write_that_fails_midway_leaves_the_previous_file_and_no_temporary()
    {
        var path = CliRunner.TempFile("previous result", ".json");
        var output = OutputFile.File(path, "--out")!;
        Assert.Throws<InvalidOperationException>(() => output.WriteText(w =>
        {
            w.Write("half a new res");
            w.Flush();
            throw new InvalidOperationException("killed");
        }));
        Assert.Equal("previous result", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + "*"));
        output.WriteText(w => w.Write("new result"));
        Assert.Equal("new result", File.ReadAllText(path));
    }

    [Fact]
    public void An_unwritable_path_is_an_input_error()
    {
        // A directory that exists but where the file is a directory by the time it is written.
        var path = Path.Combine(Path.GetTempPath(), $"tessera-late-{Guid.NewGuid():N}");
        var output = OutputFile.File(path, "--out")!;
        Directory.CreateDirectory(path);
        Assert.Throws<TesseraInputException>(() => output.WriteText(w => w.Write("x")));
    }

    [Fact]
    public void A_wide_table_is_split_to_fit_80_columns_with_every_cell_shown()
    {
        var columns = Enumerable.Range(0, 12).Select(i => new ResultColumn($"configuration {i} latency", ValueKind.Seconds));
        var table = new ResultTable("wide", "", [new("scenario", ValueKind.Text), .. columns],
            [.. Enumerable.Range(0, 4).Select(r => System.Collections.Immutable.ImmutableArray.Create<ResultValue>(
                [$"scenario {r}", .. Enumerable.Range(0, 12).Select(c => (ResultValue)((r * 12 + c + 1) * 1e-3))]))], []);
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(text), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 80;
        ResultTablePrinter.Print(console, table);
        var lines = text.ToString().Split('\n');
        Assert.All(lines, l => Assert.True(l.TrimEnd().Length <= 80, $"{l.TrimEnd().Length} columns: {l}"));
        for (int v = 1; v <= 48; v++)
            Assert.Contains($" {v} ms ", text.ToString(), StringComparison.Ordinal);
        for (int c = 0; c < 12; c++)
            Assert.Contains($"configuration {c} latency", text.ToString(), StringComparison.Ordinal);
    }
}
