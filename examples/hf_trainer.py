"""Fine-tune a small BERT model for sentiment classification with the Hugging Face Trainer.

Green ML flags TrainingArguments without bf16/fp16 (GML103) and a Trainer that evaluates every
epoch without an EarlyStoppingCallback (GML212).
"""
from datasets import load_dataset
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    Trainer,
    TrainingArguments,
)

checkpoint = "prajjwal1/bert-tiny"
tokenizer = AutoTokenizer.from_pretrained(checkpoint)
model = AutoModelForSequenceClassification.from_pretrained(checkpoint, num_labels=2)

raw = load_dataset("imdb")
tokenized = raw.map(lambda b: tokenizer(b["text"], truncation=True, max_length=128), batched=True)

args = TrainingArguments(
    output_dir="out/bert-tiny-imdb",
    num_train_epochs=10,
    per_device_train_batch_size=32,
    eval_strategy="epoch",
    save_strategy="epoch",
)
trainer = Trainer(
    model=model,
    args=args,
    train_dataset=tokenized["train"],
    eval_dataset=tokenized["test"],
    processing_class=tokenizer,
)
trainer.train()
