using System.Collections.Immutable;
using Tessera.Diagnostics;

namespace Tessera.Search.Scar;

/// <summary>A model's operators [First, First + Count) in one time window (Count 0: the model is idle there).</summary>
public readonly record struct LayerRange(int First, int Count)
{
    public int End => First + Count;
}

/// <summary>
/// SCAR's time windows: the horizon (the slowest model's total expected latency) is cut into splits + 1 windows of
/// equal length; each model's layers are packed first-fit in order — a layer joins the current window while its
/// expected latency fits the window's slack, else the model moves on to the next window. A layer longer than a
/// whole window still lands in the window it opens (the model would otherwise skip windows); the last window is
/// unbounded.
/// </summary>
public static class TimeWindows
{
    /// <summary>Per window, per model: the model's layers in that window.</summary>
    public static ImmutableArray<ImmutableArray<LayerRange>> Assign(IReadOnlyList<IReadOnlyList<double>> expectedSeconds, int splits)
    {
        ArgumentNullException.ThrowIfNull(expectedSeconds);
        if (splits < 0) throw new TesseraInputException($"n-splits {splits}; expected 0 or more");
        int windows = splits + 1;
        double horizon = expectedSeconds.Count == 0 ? 0 : expectedSeconds.Max(m => m.Sum());
        double length = horizon / windows;
        var ranges = new LayerRange[windows, expectedSeconds.Count];
        for (int m = 0; m < expectedSeconds.Count; m++)
        {
            var layers = expectedSeconds[m];
            int window = 0, first = 0;
            double used = 0;
            for (int i = 0; i < layers.Count; i++)
            {
                bool last = window == windows - 1;
                if (!last && i > first && used + layers[i] > length)
                {
                    ranges[window, m] = new LayerRange(first, i - first);
                    (window, first, used) = (window + 1, i, 0);
                }
                used += layers[i];
            }
            ranges[window, m] = new LayerRange(first, layers.Count - first);
            for (int w = window + 1; w < windows; w++) ranges[w, m] = new LayerRange(layers.Count, 0);
        }
        return [.. Enumerable.Range(0, windows).Select(w => Enumerable.Range(0, expectedSeconds.Count).Select(m => ranges[w, m]).ToImmutableArray())];
    }
}
