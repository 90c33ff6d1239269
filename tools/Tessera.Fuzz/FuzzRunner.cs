using System.Text.RegularExpressions;
using Tessera.Cli;

namespace Tessera.Fuzz;

public enum Outcome { CleanError, Infeasible, Accepted, Crash, Hang }

public sealed record FuzzResult(FuzzCase Case, Outcome Outcome, string Detail, TimeSpan Elapsed);

/// <summary>
/// Runs cases in-process through <see cref="TesseraCli.Run"/> with a per-input timeout and classifies each: a clean
/// error (exit 2, no stack trace), infeasible (exit 1), accepted (exit 0), a crash (an exception escaping the CLI, any
/// other exit code, or a stack trace in what it printed) or a hang (no answer within the timeout).
/// </summary>
public static partial class FuzzRunner
{
    [GeneratedRegex(@"^\s+at \S+.*\(.*\)|Unhandled exception|   at System\.", RegexOptions.Multiline)]
    private static partial Regex StackTrace();

    public static FuzzResult Run(FuzzCase c, TimeSpan timeout)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var task = Task.Factory.StartNew(() => TesseraCli.Run(c.Args, TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr)),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            // A hung run cannot be aborted in-process; its thread is left behind and the caller counts the hang.
            if (!task.Wait(timeout))
                return new FuzzResult(c, Outcome.Hang, $"no answer within {timeout.TotalSeconds:0.#} s", clock.Elapsed);
        }
        catch (AggregateException e)
        {
            var inner = e.InnerException ?? e;
            return new FuzzResult(c, Outcome.Crash, $"{inner.GetType().Name}: {inner.Message} {FirstFrame(inner)}", clock.Elapsed);
        }
        var error = stderr.ToString();
        var output = stdout.ToString();
        if (StackTrace().IsMatch(error) || StackTrace().IsMatch(output))
            return new FuzzResult(c, Outcome.Crash, "stack trace printed: " + FirstLine(error + output), clock.Elapsed);
        return task.Result switch
        {
            0 => new FuzzResult(c, Outcome.Accepted, FirstLine(error), clock.Elapsed),
            TesseraCli.Infeasible => new FuzzResult(c, Outcome.Infeasible, FirstLine(error), clock.Elapsed),
            TesseraCli.BadInput when error.Trim().Length > 0 => new FuzzResult(c, Outcome.CleanError, FirstLine(error), clock.Elapsed),
            var code => new FuzzResult(c, Outcome.Crash, $"exit {code}: {FirstLine(error)}", clock.Elapsed),
        };
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private static string FirstFrame(Exception e) => e.StackTrace?.Split('\n').FirstOrDefault(l => l.Contains("Tessera", StringComparison.Ordinal))?.Trim() ?? "";

    /// <summary>Per entry point: inputs and each outcome's count.</summary>
    public static string Tally(IEnumerable<FuzzResult> results)
    {
        var rows = results.GroupBy(r => r.Case.EntryPoint).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var lines = new List<string>
        {
            "| entry point | inputs | clean errors | infeasible | accepted | crashes | hangs |",
            "|---|---:|---:|---:|---:|---:|---:|",
        };
        string Row(string name, IReadOnlyCollection<FuzzResult> g) =>
            $"| {name} | {g.Count} | {g.Count(r => r.Outcome == Outcome.CleanError)} | {g.Count(r => r.Outcome == Outcome.Infeasible)} | " +
            $"{g.Count(r => r.Outcome == Outcome.Accepted)} | {g.Count(r => r.Outcome == Outcome.Crash)} | {g.Count(r => r.Outcome == Outcome.Hang)} |";
        lines.AddRange(rows.Select(g => Row(g.Key, [.. g])));
        lines.Add(Row("**all**", [.. rows.SelectMany(g => g)]));
        return string.Join('\n', lines);
    }
}
