using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;

namespace Tessera.Cli.Commands;

/// <summary>How progress is shown: bars on a terminal, lines on stderr (batch logs), or not at all; auto picks one.</summary>
internal enum ProgressMode { Auto, Bar, Plain, None }

/// <summary>
/// The one way commands show progress. The core reports the finished share (0–1) of each stage; a bar is set
/// synchronously (no context hop), a plain line goes to stderr with the percentage and the time left, at most one a
/// second per stage (and the last one), so a batch log shows a long run moving without drowning in lines.
/// </summary>
internal static class ProgressBar
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(1);

    /// <summary>The --progress option: auto (bars on a terminal, plain lines when output is redirected or JSON), bar, plain, none.</summary>
    public static Option<ProgressMode> Option() => new Option<ProgressMode>("--progress")
    {
        Description = "Progress: auto (bars on a terminal, one stderr line per step when the output is redirected or JSON), bar, plain or none",
        DefaultValueFactory = _ => ProgressMode.Auto,
    }.ByName();

    /// <summary>The mode to show: the one asked for, or for auto bars when stdout is a terminal showing tables, else plain lines.</summary>
    public static ProgressMode Mode(CliContext context, ProgressMode requested, bool json) => requested != ProgressMode.Auto ? requested
        : !json && !Console.IsOutputRedirected && context.Out == Console.Out ? ProgressMode.Bar : ProgressMode.Plain;

    /// <summary>Runs work that reports one fraction, under one bar (or line) labelled <paramref name="label"/>.</summary>
    public static T Run<T>(CliContext context, ProgressMode mode, string label, Func<IProgress<double>?, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        return RunStages(context, mode, stage => work(stage is null ? null : new Stage(fraction => stage(label, fraction))));
    }

    /// <summary>Runs work that reports (stage, fraction) pairs, one bar per stage as it appears.</summary>
    public static T RunStages<T>(CliContext context, ProgressMode mode, Func<Action<string, double>?, T> work)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(work);
        switch (mode)
        {
            case ProgressMode.None:
                return work(null);
            case ProgressMode.Plain:
                var lines = new PlainLines(context.Error);
                return work(lines.Report);
            default:
                return AnsiConsole.Progress().Start(p =>
                {
                    var bars = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                    return work((stage, fraction) =>
                    {
                        lock (bars)
                        {
                            if (!bars.TryGetValue(stage, out var bar)) bars[stage] = bar = p.AddTask(Markup.Escape(stage), maxValue: 1.0);
                            bar.Value = fraction;
                        }
                    });
                });
        }
    }

    private sealed class Stage(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }

    /// <summary>"stage: 42 % (2.1 s elapsed, about 2.9 s left)" lines, per stage timed from its first report.</summary>
    private sealed class PlainLines(TextWriter error)
    {
        private readonly Dictionary<string, (Stopwatch Clock, TimeSpan Printed, int Percent)> _stages = new(StringComparer.Ordinal);

        public void Report(string stage, double fraction)
        {
            lock (_stages)
            {
                if (!_stages.TryGetValue(stage, out var s)) s = (Stopwatch.StartNew(), -PlainInterval, -1);
                int percent = (int)Math.Floor(Math.Clamp(fraction, 0, 1) * 100);
                var now = s.Clock.Elapsed;
                bool done = percent == 100 && s.Percent < 100;
                if (percent > s.Percent && (done || now - s.Printed >= PlainInterval))
                {
                    var left = percent is >= 1 and < 100 ? $", about {Seconds(now.TotalSeconds * (1 - fraction) / fraction)} left" : "";
                    error.WriteLine($"{stage}: {percent} % ({Seconds(now.TotalSeconds)} elapsed{left})");
                    error.Flush();
                    s = (s.Clock, now, percent);
                }
                _stages[stage] = s;
            }
        }

        private static string Seconds(double s) => s < 60 ? $"{s:0.0} s" : TimeSpan.FromSeconds(Math.Round(s)).ToString(s < 3600 ? @"m\:ss" : @"h\:mm\:ss");
    }
}
