using Tessera.Cli;

namespace Tessera.Fuzz;

/// <summary>
/// Command lines from every command's flags (read from the CLI's own command tree) with careless values: zero, negative,
/// huge, non-numeric, empty; options that name an output file get a file, a folder, a missing folder or nothing.
/// </summary>
public static class Flags
{
    private static readonly string[] Numbers = ["0", "-3", "-1", "1", "2", "3", "1e999", "NaN", "-0", "2147483648", "99999999999", "100000", "abc", "", "0.5", "1e-300"];
    private static readonly string[] Names = ["resnet18", "gpt2-small", "nope", "", "-", "7", "tpu-like", "scar-2x2-het", "lbl", "fused", "ga", "edp", "energy*latency^2", "latency^", "1/0", "(", "roofline", "chiplets=0", "tasks=1"];

    /// <summary>
    /// First arguments worth trying per command; a command not listed gets none. Experiments and studies get no valid
    /// name: their valid runs take minutes.
    /// </summary>
    private static readonly Dictionary<string, string[]> Positional = new(StringComparer.Ordinal)
    {
        ["run"] = [""],
        ["inspect"] = ["resnet18", "gpt2-small", "llama3.1-8b", "mobilenetv2"],
        ["map"] = ["resnet18", "gpt2-small"],
        ["hardware"] = ["", "scar-2x2-het", "tpu-like", "nope"],
        ["cost"] = ["scar-2x2-het", "simba-like"],
        ["floorplan"] = ["scar-2x2-het", "scar-6x6-het"],
        ["candidates"] = ["--suite=gpt2-small:decode"],
        ["experiment"] = ["", "nope"],
        ["study"] = ["", "nope", "--print-default"],
        ["ecosystem"] = ["--suite=gpt2-small:decode"],
    };

    private static readonly IReadOnlyList<(string Command, IReadOnlyList<(string Name, bool TakesValue)> Options)> Commands = TesseraCli.Commands();

    public static FuzzCase Generate(int index, Random random, string work)
    {
        var (command, options) = Mutators.Pick(Commands.ToArray(), random);
        var args = new List<string>(command.Split(' '));
        var first = Mutators.Pick(Positional.GetValueOrDefault(command, [""]), random);
        if (first.Length > 0) args.Add(first);
        string[] paths = [Path.Combine(work, "out.bin"), work, Path.Combine(work, "missing", "out.bin"), ""];
        for (int k = random.Next(1, 4); k > 0 && options.Count > 0; k--)
        {
            var (option, takesValue) = options[random.Next(options.Count)];
            args.Add(option);
            if (!takesValue) continue;
            args.Add(TesseraCli.WritesPath(option) ? Mutators.Pick(paths, random)
                : random.Next(2) == 0 ? Mutators.Pick(Numbers, random) : Mutators.Pick(Names, random));
        }
        // A valid run stops after printing its scenario; the searches run on one decode step without simulation.
        if (command == "run") args.Add("--print-scenario");
        if (command is "candidates" or "ecosystem") args.AddRange(["--cache", Path.Combine(work, "profiles.db")]);
        if (command is "candidates" or "ecosystem" && !args.Contains("--cost-model")) args.AddRange(["--cost-model", "roofline"]);
        if (command == "ecosystem" && !args.Contains("--max-pool")) args.AddRange(["--max-pool", "1", "--no-simulate"]);
        return new FuzzCase(index, "flags", [.. args], string.Join(' ', args.Skip(1)));
    }
}
