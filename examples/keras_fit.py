"""Train a Keras classifier for a fixed 100 epochs while watching validation loss.

Green ML flags the fit call (GML211): it has validation data but no EarlyStopping callback, so
it keeps training long after val_loss stopped improving. It also notes the fp32 dtype policy
(GML102).
"""
import numpy as np
import keras

x = np.random.rand(5000, 20).astype("float32")
y = (x.sum(axis=1) > 10).astype("int32")

model = keras.Sequential([
    keras.Input(shape=(20,)),
    keras.layers.Dense(64, activation="relu"),
    keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
history = model.fit(x, y, epochs=100, batch_size=64, validation_split=0.2)
print(history.history["val_loss"][-1])
