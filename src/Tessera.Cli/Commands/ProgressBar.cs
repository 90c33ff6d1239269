namespace Tessera.Cli.Commands;

/// <summary>A Spectre progress task as the core's progress sink: the finished share (0–1) becomes the bar's value,
/// set synchronously (no context hop, unlike Progress&lt;T&gt;).</summary>
internal sealed class ProgressBar(Spectre.Console.ProgressTask task) : IProgress<double>
{
    public void Report(double value) => task.Value = value;
}
