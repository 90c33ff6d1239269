using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Tessera.Diagnostics;
using Tessera.Reports;

namespace Tessera.Cli.Commands;

/// <summary>
/// `tessera run --replay RESULT.json`: runs the command line of a result's manifest again and compares every field of
/// the new result with the recorded one (wall-clock times aside), and says which inputs changed since.
/// </summary>
internal static class Replay
{
    /// <summary>Differences listed before the rest are only counted.</summary>
    private const int Shown = 20;

    private static readonly HashSet<string> Clocks = new(StringComparer.Ordinal) { "manifest", "wallSeconds" };

    public static int Run(CliContext context, string path)
    {
        JsonNode recorded;
        try { recorded = JsonNode.Parse(InputFiles.ReadAllText(path, "result JSON")) ?? throw new JsonException("empty"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new TesseraInputException($"{path}: cannot read a result ({e.Message}); expected the --json output of tessera run");
        }
        var manifest = recorded["manifest"]?.Deserialize<Manifest>(JsonOutput.Options)
            ?? throw new TesseraInputException($"{path}: no manifest; expected the --json output of tessera run (version 0.3 or later)");
        var args = manifest.CommandLine.Skip(1).ToList();
        if (args.Count == 0 || args[0] != "run")
            throw new TesseraInputException($"{path}: its manifest records '{string.Join(' ', manifest.CommandLine)}'; expected a tessera run");
        if (!args.Contains("--json")) args.Add("--json");
        foreach (var changed in manifest.ChangedInputs())
            context.Console.MarkupLine($"[yellow]input changed since the result:[/] {Markup.Escape(changed)}");
        using var output = new StringWriter();
        using var errors = new StringWriter();
        int code = TesseraCli.Run([.. args], output, errors);
        if (code == TesseraCli.BadInput)
            throw new TesseraInputException($"replaying {path}: {errors.ToString().Trim()}");
        var differences = new List<string>();
        Compare(recorded, JsonNode.Parse(output.ToString()), "", differences);
        if (differences.Count == 0)
        {
            context.Console.MarkupLine($"[green]every number matches[/] ({Markup.Escape(string.Join(' ', manifest.CommandLine))}, recorded {manifest.DateUtc} with {manifest.Version} {manifest.Commit})");
            return 0;
        }
        context.Console.MarkupLine($"[red]{differences.Count} field(s) differ[/] from the result recorded {manifest.DateUtc} with {manifest.Version} {manifest.Commit}:");
        foreach (var d in differences.Take(Shown)) context.Console.MarkupLine(Markup.Escape($"  {d}"));
        return TesseraCli.Infeasible;
    }

    private static void Compare(JsonNode? a, JsonNode? b, string at, List<string> differences)
    {
        switch (a)
        {
            case JsonObject o:
                if (b is not JsonObject p) { differences.Add($"{at}: an object, now {b?.GetValueKind()}"); return; }
                foreach (var (key, value) in o)
                    if (!Clocks.Contains(key)) Compare(value, p[key], $"{at}.{key}", differences);
                return;
            case JsonArray list:
                if (b is not JsonArray other || other.Count != list.Count) { differences.Add($"{at}: {list.Count} items, now {(b as JsonArray)?.Count}"); return; }
                for (int i = 0; i < list.Count; i++) Compare(list[i], other[i], $"{at}[{i}]", differences);
                return;
            default:
                if (!JsonNode.DeepEquals(a, b)) differences.Add($"{at}: {a?.ToJsonString()} → {b?.ToJsonString()}");
                return;
        }
    }
}
