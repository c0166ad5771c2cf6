# ERA S6 solution, 18,962 parameters: three blocks of two 3x3 convs (8, 16, 32 channels, padding 1,
# with bias), each followed by ReLU and BatchNorm; max-pool and Dropout(0.1) after blocks 1 and 2;
# global average pooling as AvgPool2d(7), Dropout, then Linear 32 -> 16 -> 10.
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(8),
            nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(8),
            nn.MaxPool2d(2, 2), nn.Dropout(0.1),
        )  # 14
        self.conv2 = nn.Sequential(
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(16),
            nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(16),
            nn.MaxPool2d(2, 2), nn.Dropout(0.1),
        )  # 7
        self.conv3 = nn.Sequential(
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(32),
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(32),
        )
        self.gap = nn.Sequential(nn.AvgPool2d(kernel_size=7), nn.Dropout(0.1))
        self.fc1 = nn.Linear(32, 16)
        self.fc2 = nn.Linear(16, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = self.conv2(x)
        x = self.conv3(x)
        x = self.gap(x)
        x = x.view(-1, 32)
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)
