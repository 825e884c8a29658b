namespace Eval.Core.Corpora;

/// <summary>One evaluation document: a whole book, a .txt file, or one line of a .jsonl file.</summary>
public sealed record Document(string Id, string Text);
