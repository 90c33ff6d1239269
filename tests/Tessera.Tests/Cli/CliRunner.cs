using System.Text.Json;
using Tessera.Cli;

namespace Tessera.Tests.Cli;

/// <summary>Runs the tessera command line in-process and captures what it prints.</summary>
internal static class CliRunner
{
    public sealed record Outcome(int ExitCode, string Out, string Error)
    {
        public JsonElement Json => JsonDocument.Parse(Out).RootElement;
    }

    public static Outcome Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = TesseraCli.Run(args, stdout, stderr);
        return new Outcome(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Writes text to a fresh temporary file with the given extension and returns its path.</summary>
    public static string TempFile(string text, string extension = ".yaml")
    {
        var path = Path.Combine(Path.GetTempPath(), $"tessera-{Guid.NewGuid():N}{extension}");
        File.WriteAllText(path, text);
        return path;
    }
}
