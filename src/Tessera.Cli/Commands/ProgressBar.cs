using Spectre.Console;

namespace Tessera.Cli.Commands;

/// <summary>
/// The one way commands show progress: a bar per stage on a terminal, nothing when the output is redirected or JSON.
/// The core reports the finished share (0–1) of each stage; bars are set synchronously (no context hop).
/// </summary>
internal static class ProgressBar
{
    /// <summary>Whether progress is drawn: tables on a terminal.</summary>
    public static bool Shown(CliContext context, bool json) => !json && !Console.IsOutputRedirected && context.Out == Console.Out;

    /// <summary>Runs work that reports one fraction, under one bar labelled <paramref name="label"/>.</summary>
    public static T Run<T>(CliContext context, bool json, string label, Func<IProgress<double>?, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (!Shown(context, json)) return work(null);
        return AnsiConsole.Progress().Start(p => work(new Bar(p.AddTask(Markup.Escape(label), maxValue: 1.0))));
    }

    /// <summary>Runs work that reports (stage, fraction) pairs, one bar per stage as it appears.</summary>
    public static T RunStages<T>(CliContext context, bool json, Func<Action<string, double>?, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (!Shown(context, json)) return work(null);
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

    private sealed class Bar(ProgressTask task) : IProgress<double>
    {
        public void Report(double value) => task.Value = value;
    }
}
